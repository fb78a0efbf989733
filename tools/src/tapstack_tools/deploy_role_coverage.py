"""Does each deploy role, as its iam stack renders it, allow what its stacks need from it?

For every stack of an environment (global: prod's), every handler permission of every resource
type in its template (tapstack_tools.registry_schemas), and what CloudFormation calls as the caller
besides (a custom resource's function, dynamic references), is evaluated with the local AWS's
policy evaluator against that environment's deploy role: its generated service policies and
its guard-railed inline policy, with the environment's parameters. An IAM action is asked on a
project role or policy (`tapstack-x`) with the boundary in the request, as CloudFormation asks
it; `iam:PassRole` with the service the resource type passes a role to (PASSES_ROLE_TO).

What is not granted on purpose is listed with its reason and its premise, and the premise is
checked on the templates: a handler permission a feature needs that no template uses
(UNUSED_FEATURES), and the generator's WITHHELD actions (`withheld_premises`).
"""

from collections.abc import Callable

from tapstack_tools import registry_schemas
from tapstack_tools.deploy_role_actions import WITHHELD, template_actions
from tapstack_tools.identity_plane import policy
from tapstack_tools.managed_policies import customer_managed, document
from tapstack_tools.reachability import Evaluator, Facts, StackInput

# Resource types whose handlers pass a role, and the service they pass it to (iam:PassedToService).
PASSES_ROLE_TO = {
    "AWS::CloudFormation::StackSet": "cloudformation.amazonaws.com",
    "AWS::CloudTrail::Trail": "cloudtrail.amazonaws.com",
    "AWS::EC2::FlowLog": "vpc-flow-logs.amazonaws.com",
    "AWS::Events::Rule": "events.amazonaws.com",
    "AWS::Lambda::Function": "lambda.amazonaws.com",
    "AWS::RDS::DBCluster": "rds.amazonaws.com",
    "AWS::RDS::DBInstance": "monitoring.rds.amazonaws.com",
    "AWS::S3::Bucket": "s3.amazonaws.com",
    "AWS::StepFunctions::StateMachine": "states.amazonaws.com",
}
# Resource types whose handlers may create a service-linked role, and whose role that is.
SERVICE_LINKED_ROLE_OF = {
    f"AWS::RDS::{kind}": "rds.amazonaws.com"
    for kind in (
        "DBCluster",
        "DBClusterParameterGroup",
        "DBInstance",
        "DBParameterGroup",
        "DBSubnetGroup",
    )
}
# (type, IAM action) a handler needs only for a feature: (properties that would use it, the
# values that do not, why it is not granted). Checked: no template sets another value.
UNUSED_FEATURES = {
    ("AWS::CloudTrail::Trail", "iam:CreateServiceLinkedRole"): (
        {"IsOrganizationTrail": (False, "false")},
        "only an organization trail needs CloudTrail's service-linked role",
    ),
    ("AWS::EC2::FlowLog", "iam:CreateServiceLinkedRole"): (
        {"LogDestinationType": ("cloud-watch-logs",)},
        "delivery to S3 or Firehose needs the log-delivery service-linked role; the flow logs "
        "go to CloudWatch Logs through their own role",
    ),
    ("AWS::DynamoDB::Table", "iam:CreateServiceLinkedRole"): (
        {"ContributorInsightsSpecification": (), "KinesisStreamSpecification": ()},
        "the table's features that involve another service (Contributor Insights, Kinesis "
        "streaming) are off",
    ),
    ("AWS::SecretsManager::RotationSchedule", "iam:PassRole"): (
        {"HostedRotationLambda": ()},
        "only a hosted rotation function (AWS's, with a role of its own) takes a role; the "
        "rotation functions are the project's own (RotationLambdaARN)",
    ),
    ("AWS::SNS::Topic", "iam:PassRole"): (
        {"DeliveryStatusLogging": ()},
        "no topic logs delivery status (the only role a topic takes)",
    ),
    ("AWS::SNS::Topic", "iam:GetRole"): (
        {"DeliveryStatusLogging": ()},
        "no topic logs delivery status (the only role a topic takes)",
    ),
}
ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}


def _environment(stack_name: str) -> str:
    first = stack_name.split("/", 1)[0]
    return "prod" if first == "global" else first


def deploy_role_policies(iam_document: dict, environment: str) -> list[dict]:
    """The deploy role's documents (managed and inline) as the iam stack renders them."""
    facts = Facts(accounts=ACCOUNTS, prod_cidrs=[], other_cidrs=[], sync_subnets=[])
    parameters = {"EnvironmentName": environment, "EnvironmentSuffix": "main"}
    stack = StackInput("iam", environment, "us-east-1", iam_document, parameters)
    resources = Evaluator(stack, facts).resources()
    role = resources["DeployRole"]["Properties"]
    local = customer_managed(resources, ACCOUNTS[environment])
    managed = [document(str(arn), local) for arn in role.get("ManagedPolicyArns", [])]
    return managed + [inline["PolicyDocument"] for inline in role.get("Policies", [])]


def _request(action: str, resource_type: str, account: str) -> policy.Request:
    """How CloudFormation asks `action` for a resource of `resource_type`."""
    if not action.startswith("iam:"):
        return policy.Request(action, "*")
    project = f"arn:aws:iam::{account}:%s/tapstack-x"
    context = {
        "iam:PermissionsBoundary": f"arn:aws:iam::{account}:policy/tapstack-boundary-%s",
        "iam:PolicyARN": project % "policy",
    }
    if action == "iam:PassRole":
        context["iam:PassedToService"] = PASSES_ROLE_TO.get(resource_type, "?")
    if action == "iam:CreateServiceLinkedRole":
        service = SERVICE_LINKED_ROLE_OF.get(resource_type, "?")
        linked_role = f"arn:aws:iam::{account}:role/aws-service-role/{service}/x"
        return policy.Request(action, linked_role, {"iam:AWSServiceName": service})
    if action == "iam:ListRoles":
        return policy.Request(action, "*")
    kind = "role" if "Role" in action.split(":", 1)[1] else "policy"
    return policy.Request(action, project % kind, context)


def _needs(region: str, template: dict) -> dict[str, set[str]]:
    """{action: resource types (or what else) needing it} for one template, as the generator
    counts them (deploy_role_actions.template_actions)."""
    needs: dict[str, set[str]] = {}

    def add(actions, why: str) -> None:
        for action in actions:
            needs.setdefault(registry_schemas.normalized(action), set()).add(why)

    template_actions(template, region, add)
    return needs


def _feature_unused(kind: str, action: str, templates: list[dict]) -> bool:
    properties, _reason = UNUSED_FEATURES[(kind, action)]
    for template in templates:
        for resource in template["Resources"].values():
            if resource["Type"] != kind:
                continue
            given = resource.get("Properties", {})
            if any(
                name in given and given[name] not in allowed for name, allowed in properties.items()
            ):
                return False
    return True


def uncovered(
    stacks: dict[str, tuple[str, dict]], deploy_roles: Callable[[str], list[dict]]
) -> list[str]:
    """What a stack needs that its environment's deploy role does not allow. `stacks`: {name:
    (region, template)}; `deploy_roles(environment)`: that deploy role's policy documents."""
    found = []
    templates = [template for _region, template in stacks.values()]
    for name, (region, template) in sorted(stacks.items()):
        environment = _environment(name)
        documents = deploy_roles(environment)
        for action, why in sorted(_needs(region, template).items()):
            if action in WITHHELD or not registry_schemas.is_iam_action(action):
                continue
            for kind in sorted(why):
                if (kind, action) in UNUSED_FEATURES and _feature_unused(kind, action, templates):
                    continue
                request = _request(action, kind, ACCOUNTS[environment])
                request = policy.Request(
                    request.action,
                    request.resource.replace("%s", environment),
                    {k: v.replace("%s", environment) for k, v in request.context.items()},
                )
                if policy.decide(documents, request) != policy.ALLOW:
                    found.append(
                        f"{name}: {kind} needs {action}, which {environment}'s deploy "
                        "role does not allow"
                    )
    return found


def withheld_premises(templates: list[dict]) -> list[str]:
    """The premises of the generator's WITHHELD actions that the templates break."""
    found = []
    for template in templates:
        for logical_id, resource in template["Resources"].items():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::EC2::VPCPeeringConnection" and "PeerRoleArn" in properties:
                found.append(f"{logical_id}: PeerRoleArn needs sts:AssumeRole (withheld)")
            if resource["Type"] == "AWS::IAM::ManagedPolicy" and {"Groups", "Users"} & set(
                properties
            ):
                found.append(f"{logical_id}: attaches to groups or users (withheld)")
    return found
