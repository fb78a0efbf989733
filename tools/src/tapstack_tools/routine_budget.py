"""How long routine prod deploys take on real AWS, and what they replace, from the templates.

A routine deploy changes one input of an existing prod and runs `sceptre launch -y prod`, then
`sceptre launch -y global`. Each changed input is a stack parameter; what it changes in each
stack's resources is tapstack_tools.update_behaviour's reading of the rendered template, and a
change that moves an output reaches the stacks reading it (tapstack_tools.output_flow).

Each stack's update is its slowest chain of changed resources (update_behaviour), plus the
stack overhead, plus the rollback triggers' monitoring
period of its update (CloudFormation keeps the update in progress for it); a stack with nothing
to change answers "No updates are to be performed" (NOOP_SECONDS). Sceptre 4.7 runs each command
batch after batch (tapstack_tools.deploy_budget.sceptre_batches).

`tapstack-deploy-budget --write` puts the table into docs/deploy-budget.md beside the first
deploy's; tests/test_routine_deploys.py fails when a routine change would replace a stateful
resource in prod or a routine deploy would exceed ROUTINE_BUDGET_SECONDS.
"""

from dataclasses import dataclass
from functools import cache

from tapstack_tools.deploy_budget import (
    STACK_OVERHEAD_SECONDS,
    StackTiming,
    minutes,
    prod_stacks,
    rollback_monitoring_seconds,
    sceptre_batches,
)
from tapstack_tools.output_flow import changed_outputs, output_readers
from tapstack_tools.rendered_templates import template_document
from tapstack_tools.update_behaviour import (
    REPLACEMENT,
    SEVERITY,
    referenced_names,
    stack_update_seconds,
    touched_resources,
)

ROUTINE_BUDGET_SECONDS = 10 * 60
# A routine deploy runs the two usual commands one after the other (no bootstrap).
ROUTINE_COMMANDS: tuple[tuple[str, ...], ...] = (("prod",), ("global",))
NOOP_SECONDS = 5
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
