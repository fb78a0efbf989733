"""How long routine prod deploys take on real AWS, and what they replace, from the templates.

A routine deploy changes one input of an existing prod and runs `sceptre launch -y prod`, then
`sceptre launch -y global`. Each changed input is a stack parameter; what it changes is read
from the rendered template: every resource whose properties refer to it (Ref, Fn::GetAtt,
Fn::Sub, or an Fn::If on a condition that refers to it), and, when such a resource is replaced,
every resource that refers to that one. Whether a property change replaces its resource comes
from the CloudFormation registry schemas cfn-lint ships (tapstack_tools.registry_schemas):
`createOnlyProperties` replace it; `conditionalCreateOnlyProperties` may interrupt or replace it
("some interruption"); any other property updates it in place ("no interruption").

Each stack's update is its slowest chain of changed resources (UPDATE_SECONDS, or the creation
time of a replaced resource), plus the stack overhead, plus the rollback triggers' monitoring
period of its update (CloudFormation keeps the update in progress for it); a stack with nothing
to change answers "No updates are to be performed" (NOOP_SECONDS). Sceptre 4.7 runs each command
batch after batch (tapstack_tools.deploy_budget.sceptre_batches).

`tapstack-deploy-budget --write` puts the table into docs/deploy-budget.md beside the first
deploy's; tests/test_routine_deploys.py fails when a routine change would replace a stateful
resource in prod or a routine deploy would exceed ROUTINE_BUDGET_SECONDS.
"""

import json
from dataclasses import dataclass
from functools import cache

from tapstack_tools.deploy_budget import (
    STACK_OVERHEAD_SECONDS,
    StackTiming,
    minutes,
    prod_stacks,
    resource_seconds,
    rollback_monitoring_seconds,
    sceptre_batches,
)
from tapstack_tools.output_flow import changed_outputs, output_readers
from tapstack_tools.registry_schemas import SCHEMAS, _provider
from tapstack_tools.rendered_templates import template_document

ROUTINE_BUDGET_SECONDS = 10 * 60
# A routine deploy runs the two usual commands one after the other (no bootstrap).
ROUTINE_COMMANDS: tuple[tuple[str, ...], ...] = (("prod",), ("global",))
NOOP_SECONDS = 5
# What an update in place takes, by type (planning figures: AWS publishes none). Types not
# listed are API calls: UPDATE_DEFAULT_SECONDS.
UPDATE_DEFAULT_SECONDS = 5
UPDATE_SECONDS = {
    # a new image or configuration: CloudFormation waits until LastUpdateStatus is Successful
    "AWS::Lambda::Function": 60,
    # an applied modification (class, parameter group, engine version) restarts the instance
    "AWS::RDS::DBInstance": 600,
    "AWS::RDS::DBCluster": 120,
    "AWS::RDS::GlobalCluster": 120,
    "AWS::EC2::VPCEndpoint": 60,
    "AWS::Route53::RecordSet": 60,
    "AWS::CloudFormation::StackSet": 300,
    # the migrator applies the new files under its lock (lambda/migrator; 5-minute timeout)
    "Custom::DatabaseMigration": 120,
}
CUSTOM_RESOURCE_SECONDS = 30  # any other custom resource: one Lambda invocation
# What a routine deploy must never replace (nor create or delete) in prod.
STATEFUL_TYPES = frozenset(
    {
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::RDS::GlobalCluster",
        "AWS::KMS::Key",
        "AWS::S3::Bucket",
        "AWS::DynamoDB::Table",
    }
)
NO_INTERRUPTION, SOME_INTERRUPTION, REPLACEMENT = (
    "no interruption",
    "some interruption",
    "replacement",
)
# Registry schemas mark what replaces a resource, not what restarts it: these properties update
# with "Some interruptions" by the AWS resource type reference (AWS::RDS::DBInstance
# DBInstanceClass, DBParameterGroupName; AWS::RDS::DBCluster EngineVersion).
SOME_INTERRUPTION_PROPERTIES = frozenset(
    {
        ("AWS::RDS::DBInstance", "DBInstanceClass"),
        ("AWS::RDS::DBInstance", "DBParameterGroupName"),
        ("AWS::RDS::DBCluster", "EngineVersion"),
    }
)
SEVERITY = {NO_INTERRUPTION: 0, SOME_INTERRUPTION: 1, REPLACEMENT: 2}
# The routine changes the issue budgets, each the stack parameters it changes (in every prod
# stack that has them). A change with several alternatives counts its slowest.
ROUTINE_CHANGES: dict[str, tuple[tuple[str, ...], ...]] = {
    "a new validator image": (("ValidatorImageUri",),),
    "a new migration file": (("MigrationsKey",),),
    "an alarm threshold change": (
        ("SyncLagThresholdSeconds",),
        ("DatabaseConnectionsThreshold",),
        ("ReplicaLagThresholdMilliseconds",),
    ),
    "a new allow-listed table": (("SyncTables",),),
}
# Not routine: the environment's identity (a rename or a new address plan re-creates the
# environment) and values another stack's outputs carry (they change only when that stack's
# resources are replaced, which this budget forbids for the stateful ones).
IDENTITY_PARAMETERS = frozenset({"EnvironmentName", "EnvironmentSuffix", "VpcCidr", "AzCount"})
# Planned maintenance, budgeted apart (its own window): an engine upgrade or an instance class
# change restarts the instances; the table shows what they take.
MAINTENANCE_PARAMETERS = frozenset({"EngineVersion", "InstanceClass"})
RESOLVER_FROM_OTHER_STACKS = frozenset({"StackOutput", "StackOutputCrossAccount"})


@dataclass(frozen=True)
class ResourceChange:
    """One resource a routine change touches, and how."""

    logical_id: str
    resource_type: str
    behaviour: str
    stateful: bool


@dataclass(frozen=True)
class RoutineDeploy:
    """A routine change: which stacks it updates, what it touches, how long the deploy takes."""

    name: str
    parameters: tuple[str, ...]
    changes: dict[str, tuple[ResourceChange, ...]]  # stack -> touched resources
    stack_seconds: dict[str, int]  # changed stacks only
    seconds: int

    @property
    def replaced_stateful(self) -> list[str]:
        """`stack: LogicalId (type)` of every stateful resource it replaces, creates or
        deletes."""
        return [
            f"{stack}: {c.logical_id} ({c.resource_type})"
            for stack, changes in self.changes.items()
            for c in changes
            if c.stateful and c.behaviour == REPLACEMENT
        ]


@cache
def _schema(resource_type: str) -> dict:
    schema_id = _provider("us-east-1").get(resource_type)
    if schema_id is None:
        return {}
    return json.loads((SCHEMAS / "resources" / f"{schema_id}.json").read_text(encoding="utf-8"))


def property_behaviour(resource_type: str, name: str) -> str:
    """What changing top-level property `name` does to a resource of `resource_type`, by the
    registry schema cfn-lint ships."""
    if (
        resource_type.startswith("Custom::")
        or resource_type == "AWS::CloudFormation::CustomResource"
    ):
        return NO_INTERRUPTION  # the handler's Update; our handlers keep their physical id
    schema = _schema(resource_type)
    path = f"/properties/{name}"
    if path in schema.get("createOnlyProperties", []):
        return REPLACEMENT
    if path in schema.get("conditionalCreateOnlyProperties", []):
        return SOME_INTERRUPTION
    if (resource_type, name) in SOME_INTERRUPTION_PROPERTIES:
        return SOME_INTERRUPTION
    return NO_INTERRUPTION


def referenced_names(value: object, conditions: set[str]) -> set[str]:
    """Logical ids and parameters a value refers to, plus the conditions of its Fn::If."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else str(inner).split(".", 1)[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                start = 0
                while (opening := text.find("${", start)) != -1:
                    closing = text.find("}", opening)
                    name = text[opening + 2 : closing]
                    if not name.startswith("!"):
                        found.add(name.split(".", 1)[0])
                    start = closing + 1
                if isinstance(inner, list):
                    found |= referenced_names(inner[1], conditions)
            elif key == "Fn::If" and isinstance(inner, list):
                found.add(f"condition:{inner[0]}")
                found |= referenced_names(inner[1:], conditions)
            elif key == "Condition" and isinstance(inner, str):
                found.add(f"condition:{inner}")
            else:
                found |= referenced_names(inner, conditions)
    elif isinstance(value, list):
        for inner in value:
            found |= referenced_names(inner, conditions)
    return found


def touched_resources(document: dict, parameters: set[str]) -> dict[str, str]:
    """{logical id: behaviour} of every resource that changing `parameters` touches."""
    resources = document.get("Resources", {})
    conditions = document.get("Conditions", {})
    changed = set(parameters)
    # conditions that refer to a changed parameter (or to such a condition) may flip
    flipped = True
    while flipped:
        flipped = False
        for name, body in conditions.items():
            key = f"condition:{name}"
            if key not in changed and referenced_names(body, set()) & changed:
                changed.add(key)
                flipped = True
    touched: dict[str, str] = {}
    grew = True
    while grew:
        grew = False
        for logical_id, resource in resources.items():
            behaviour = None
            if f"condition:{resource.get('Condition')}" in changed:
                behaviour = REPLACEMENT  # it may be created or deleted
            for name, value in (resource.get("Properties") or {}).items():
                if referenced_names(value, set()) & changed:
                    found = property_behaviour(resource["Type"], name)
                    if behaviour is None or SEVERITY[found] > SEVERITY[behaviour]:
                        behaviour = found
            if behaviour is None or touched.get(logical_id) == behaviour:
                continue
            if logical_id not in touched or SEVERITY[behaviour] > SEVERITY[touched[logical_id]]:
                touched[logical_id] = behaviour
                grew = True
                if behaviour == REPLACEMENT:
                    changed.add(logical_id)  # a new physical id: what refers to it changes
    return touched


def update_seconds(resource: dict, behaviour: str) -> int:
    """What one touched resource takes."""
    if behaviour == REPLACEMENT:
        return resource_seconds(resource, 0)
    resource_type = resource["Type"]
    if resource_type.startswith("Custom::") and resource_type not in UPDATE_SECONDS:
        return CUSTOM_RESOURCE_SECONDS
    return UPDATE_SECONDS.get(resource_type, UPDATE_DEFAULT_SECONDS)


def stack_update_seconds(document: dict, touched: dict[str, str]) -> int:
    """The slowest chain of touched resources, each after the touched ones it refers to."""
    resources = document["Resources"]
    finish: dict[str, int] = {}

    def finish_of(logical_id: str) -> int:
        if logical_id not in finish:
            resource = resources[logical_id]
            depends = resource.get("DependsOn", [])
            needs = referenced_names(resource.get("Properties", {}), set()) | set(
                [depends] if isinstance(depends, str) else depends
            )
            before = max(
                (finish_of(n) for n in sorted(needs) if n in touched and n != logical_id),
                default=0,
            )
            finish[logical_id] = before + update_seconds(resource, touched[logical_id])
        return finish[logical_id]

    return max((finish_of(logical_id) for logical_id in touched), default=0)


@cache
def _stacks() -> dict:
    return prod_stacks()


@cache
def _document(name: str) -> dict:
    return template_document(_stacks()[name].template.body)


def _reach(
    parameters: tuple[str, ...], only_stack: str | None
) -> dict[str, tuple[set[str], dict[str, str]]]:
    """{stack: (its changed parameters, {logical id: behaviour} touched)}: the stacks that have
    `parameters` (or `only_stack` alone), then every stack reading an output they change, until
    nothing more changes (tapstack_tools.output_flow)."""
    stacks = _stacks()
    readers = output_readers(stacks)
    changed: dict[str, set[str]] = {}
    for stack_name in stacks:
        if only_stack and stack_name != only_stack:
            continue
        present = set(parameters) & set(_document(stack_name).get("Parameters", {}))
        if present:
            changed[stack_name] = present
    reach: dict[str, tuple[set[str], dict[str, str]]] = {}
    pending = sorted(changed)
    while pending:
        stack_name = pending.pop(0)
        document = _document(stack_name)
        touched = touched_resources(document, changed[stack_name])
        reach[stack_name] = (set(changed[stack_name]), touched)
        replaced = {logical_id for logical_id, b in touched.items() if b == REPLACEMENT}
        moved = changed_outputs(
            document, changed[stack_name] | replaced, lambda value: referenced_names(value, set())
        )
        for output in sorted(moved):
            for consumer, parameter in sorted(readers.get((stack_name, output), ())):
                if parameter not in changed.setdefault(consumer, set()):
                    changed[consumer].add(parameter)
                    if consumer not in pending:
                        pending.append(consumer)
    return reach


def _routine(
    name: str, parameters: tuple[str, ...], only_stack: str | None = None
) -> RoutineDeploy:
    """The deploy that changes `parameters` in every prod stack that has them (or in
    `only_stack` alone), and in every stack that reads an output the change moves."""
    changes: dict[str, tuple[ResourceChange, ...]] = {}
    stack_seconds: dict[str, int] = {}
    for stack_name, (_changed, touched) in sorted(_reach(parameters, only_stack).items()):
        document = _document(stack_name)
        changes[stack_name] = tuple(
            ResourceChange(
                logical_id,
                document["Resources"][logical_id]["Type"],
                behaviour,
                document["Resources"][logical_id]["Type"] in STATEFUL_TYPES,
            )
            for logical_id, behaviour in sorted(touched.items())
        )
        stack_seconds[stack_name] = (
            stack_update_seconds(document, touched)
            + STACK_OVERHEAD_SECONDS
            + rollback_monitoring_seconds(_stacks()[stack_name], "before_update")
        )
    timings = [StackTiming(n, 0, stack_seconds.get(n, NOOP_SECONDS), "", ()) for n in _stacks()]
    commands = sceptre_batches(timings, commands=ROUTINE_COMMANDS)
    total = sum(
        max(c.seconds for c in commands if c.step == step) for step in range(len(ROUTINE_COMMANDS))
    )
    return RoutineDeploy(name, parameters, changes, stack_seconds, total)


def routine_parameters() -> dict[str, tuple[str, ...]]:
    """{stack: its routine parameters}: set in config/ as values or built by the project's own
    resolvers (image digests, the migrations key, account roles), not identity, not another
    stack's output."""
    found = {}
    for stack_name, stack in sorted(_stacks().items()):
        declared = set(_document(stack_name).get("Parameters", {}))
        found[stack_name] = tuple(
            sorted(
                name
                for name, value in (stack.config.get("parameters") or {}).items()
                if name in declared
                and name not in IDENTITY_PARAMETERS
                and type(value).__name__ not in RESOLVER_FROM_OTHER_STACKS
            )
        )
    return found


@cache
def routine_deploys() -> tuple[RoutineDeploy, ...]:
    """The issue's routine changes (each at its slowest alternative), then, per prod stack,
    its slowest single routine parameter changed in that stack alone."""
    deploys = []
    for name, alternatives in ROUTINE_CHANGES.items():
        options = [_routine(name, parameters) for parameters in alternatives]
        deploys.append(max(options, key=lambda d: d.seconds))
    for stack_name, parameters in routine_parameters().items():
        options = [
            _routine(f"one parameter of {stack_name}", (p,), stack_name)
            for p in parameters
            if p not in MAINTENANCE_PARAMETERS
        ]
        if options:
            deploys.append(max(options, key=lambda d: d.seconds))
    return tuple(deploys)


@cache
def maintenance_deploys() -> tuple[RoutineDeploy, ...]:
    """The planned-maintenance parameters, each changed in every prod stack that has it."""
    return tuple(
        _routine(f"maintenance: {parameter}", (parameter,))
        for parameter in sorted(MAINTENANCE_PARAMETERS)
    )


@cache
def every_single_parameter_change() -> tuple[RoutineDeploy, ...]:
    """Every routine or maintenance parameter of every prod stack changed alone in that stack,
    and the issue's routine changes (the safety net's input)."""
    return (
        *(
            _routine(f"{stack_name} {parameter}", (parameter,), stack_name)
            for stack_name, parameters in routine_parameters().items()
            for parameter in parameters
        ),
        *(
            _routine(name, parameters)
            for name, alternatives in ROUTINE_CHANGES.items()
            for parameters in alternatives
        ),
        *maintenance_deploys(),
    )


def _summary(deploy: RoutineDeploy) -> str:
    """Per changed stack: its update time and what it does to how many resources; the
    resources by name when a few."""
    parts = []
    for stack_name, changes in deploy.changes.items():
        if not changes:
            parts.append(f"{stack_name}: nothing")
            continue
        if len(changes) <= 3:
            what = ", ".join(f"{c.logical_id} ({c.behaviour})" for c in changes)
        else:
            counts = {b: sum(c.behaviour == b for c in changes) for b in SEVERITY}
            what = ", ".join(f"{n} {b}" for b, n in counts.items() if n)
        parts.append(f"{stack_name} {minutes(deploy.stack_seconds[stack_name])}: {what}")
    return "; ".join(parts)


def markdown() -> str:
    """The routine-deploy table docs/deploy-budget.md embeds."""
    lines = [
        "| routine change | parameter | takes | stateful resource replaced | what it updates |",
        "|---|---|---|---|---|",
    ]
    for deploy in routine_deploys():
        lines.append(
            f"| {deploy.name} | {', '.join(deploy.parameters)} | {minutes(deploy.seconds)} | "
            f"{', '.join(deploy.replaced_stateful) or 'none'} | {_summary(deploy)} |"
        )
    lines += ["", "Planned maintenance, budgeted apart (not routine):", ""]
    lines += [
        f"- {', '.join(d.parameters)}: {minutes(d.seconds)}; stateful resource replaced: "
        f"{', '.join(d.replaced_stateful) or 'none'}; {_summary(d)}"
        for d in maintenance_deploys()
    ]
    worst = max(routine_deploys(), key=lambda d: d.seconds)
    verdict = "fits" if worst.seconds <= ROUTINE_BUDGET_SECONDS else "does NOT fit"
    lines += [
        "",
        f"Slowest routine deploy: {worst.name} ({', '.join(worst.parameters)}), "
        f"{minutes(worst.seconds)} against a budget of {minutes(ROUTINE_BUDGET_SECONDS)}: "
        f"it {verdict}.",
    ]
    return "\n".join(lines)
