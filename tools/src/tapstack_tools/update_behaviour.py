"""What changing a stack's parameters does to its resources, from the rendered template.

Every resource whose properties refer to a changed parameter (Ref, Fn::GetAtt, Fn::Sub, or an
Fn::If on a condition that refers to it) is touched, and, when such a resource is replaced,
every resource that refers to that one. Whether a property change replaces its resource comes
from the CloudFormation registry schemas cfn-lint ships (tapstack_tools.registry_schemas):
`createOnlyProperties` replace it; `conditionalCreateOnlyProperties` may interrupt or replace it
("some interruption"); any other property updates it in place ("no interruption"). A stack's
update is its slowest chain of touched resources (UPDATE_SECONDS, or the creation time of a
replaced resource). tapstack_tools.routine_budget composes these into deploys.
"""

import json
from functools import cache

from tapstack_tools.deploy_budget import resource_seconds
from tapstack_tools.registry_schemas import SCHEMAS, _provider

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
