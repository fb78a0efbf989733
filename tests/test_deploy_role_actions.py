"""The deploy role's generated permissions: current, packed, enough for its stacks, narrower than
PowerUserAccess (tapstack_tools.deploy_role_actions, tapstack_tools.deploy_role_coverage)."""

import copy
from collections.abc import Callable

import pytest
from tapstack_blocks.deploy_role_policy import (
    MANAGED_POLICY_CHARACTERS,
    PolicyPackingError,
    granted_actions,
    policy_size,
    service_policy_documents,
)
from tapstack_tools.client_calls import UnreadableCallError, calls_in
from tapstack_tools.deploy_role_actions import (
    COMMAND,
    changes,
    checked_in,
    client_actions,
    regenerate,
    template_actions,
)
from tapstack_tools.deploy_role_coverage import deploy_role_policies, uncovered, withheld_premises
from tapstack_tools.identity_plane import policy
from tapstack_tools.managed_policies import document

ENVIRONMENTS = ("dev", "staging", "prod")
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"


def collector() -> tuple[Callable, dict[str, set[str]]]:
    """An `add(actions, source)` for the generator's functions, and what it collected."""
    found: dict[str, set[str]] = {}

    def add(actions, source: str) -> None:
        for action in actions:
            found.setdefault(action, set()).add(source)

    return add, found


def test_the_checked_in_list_is_the_regenerated_one():
    # The reviewed list must say what the templates, Sceptre and the hooks need today.
    regenerated = regenerate()
    assert changes(checked_in(), regenerated) == [], f"run `{COMMAND}` and review the diff"
    assert checked_in() == regenerated, f"run `{COMMAND}` and review the diff"


def test_a_new_resource_type_changes_the_list():
    # GIVEN a template that gains an EC2 instance; THEN its handlers' actions join the list
    add, sources = collector()
    template = {"Resources": {"Box": {"Type": "AWS::EC2::Instance", "Properties": {}}}}
    types = template_actions(template, "us-east-1", add)
    assert types == {"AWS::EC2::Instance"}
    assert "ec2:RunInstances" in sources and "ec2:RunInstances" not in checked_in()["actions"]
    new = {**checked_in(), "actions": {**checked_in()["actions"], "ec2:RunInstances": ["x"]}}
    assert changes(checked_in(), new) == ["+ actions: ec2:RunInstances"]


def test_a_new_hook_call_is_read_from_its_source(tmp_path):
    # GIVEN a hook that sends a message with the stack's role
    hook = tmp_path / "notify.py"
    hook.write_text(
        "def run(self):\n"
        "    self.stack.connection_manager.call('sqs', 'send_message', {'QueueUrl': 'q'})\n"
    )
    (call,) = calls_in(hook, "notify.py")
    assert (call.service, call.operation, call.other_role) == ("sqs", "send_message", False)
    # AND one whose operation the generator cannot read
    hook.write_text("def run(self, op):\n    self.stack.connection_manager.call('sqs', op, {})\n")
    with pytest.raises(UnreadableCallError, match=r"notify\.py:2"):
        calls_in(hook, "notify.py")


def test_every_project_call_is_in_the_list():
    add, found = collector()
    client_actions(add)
    listed = set(checked_in()["actions"])
    assert {"s3:BypassGovernanceRetention", "ecr:GetAuthorizationToken", "ssm:GetParameter"} <= (
        set(found) & listed
    )
    assert set(found) <= listed


def test_the_policies_hold_every_action_within_the_managed_policy_limits():
    documents = service_policy_documents()
    packed = [a for d in documents for s in d["Statement"] for a in s["Action"]]
    assert sorted(packed) == list(granted_actions()) and len(packed) == len(set(packed))
    assert all(policy_size(d) <= MANAGED_POLICY_CHARACTERS for d in documents)
    assert all(
        s["Resource"] == "*" and "Condition" not in s for d in documents for s in d["Statement"]
    )
    assert not any(a.startswith("iam:") or "*" in a for a in packed)


def test_packing_splits_by_service_and_refuses_what_cannot_fit():
    actions = ("ec2:CreateVpc", "ec2:DeleteVpc", "s3:CreateBucket")
    one = service_policy_documents(actions)
    assert len(one) == 1
    split = service_policy_documents(actions, limit=policy_size(one[0]) - 1)
    assert [[s["Sid"] for s in d["Statement"]] for d in split] == [["Ec2"], ["S3"]]
    with pytest.raises(PolicyPackingError, match="ec2's actions alone"):
        service_policy_documents(actions, limit=60)


@pytest.fixture(scope="module")
def stacks(documents, rendered) -> dict[str, tuple[str, dict]]:
    return {name: (rendered[name]["region"], documents[name]) for name in documents}


@pytest.fixture(scope="module")
def deploy_roles(documents) -> dict[str, list[dict]]:
    return {
        env: deploy_role_policies(documents[f"{env}/us-east-1/iam"], env) for env in ENVIRONMENTS
    }


def test_the_deploy_role_attaches_only_its_generated_policies(documents):
    for env in ENVIRONMENTS:
        resources = documents[f"{env}/us-east-1/iam"]["Resources"]
        attached = resources["DeployRole"]["Properties"]["ManagedPolicyArns"]
        assert [resources[arn["Ref"]]["Type"] for arn in attached] == [
            "AWS::IAM::ManagedPolicy"
        ] * len(service_policy_documents())


def test_every_stack_gets_what_its_resource_types_need(stacks, deploy_roles):
    assert uncovered(stacks, deploy_roles.__getitem__) == []
    assert withheld_premises([template for _region, template in stacks.values()]) == []


def _with_resource(stacks, name, logical_id, resource):
    changed = copy.deepcopy(stacks)
    changed[name][1]["Resources"][logical_id] = resource
    return {name: changed[name]}


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        pytest.param(
            {"Type": "AWS::EC2::Instance", "Properties": {}},
            "AWS::EC2::Instance needs ec2:RunInstances",
            id="a-type-the-list-lacks",
        ),
        pytest.param(
            {"Type": "AWS::SNS::Topic", "Properties": {"DeliveryStatusLogging": [{}]}},
            "AWS::SNS::Topic needs iam:PassRole",
            id="a-feature-that-passes-a-role",
        ),
        pytest.param(
            {"Type": "AWS::CloudTrail::Trail", "Properties": {"IsOrganizationTrail": True}},
            "AWS::CloudTrail::Trail needs iam:CreateServiceLinkedRole",
            id="a-feature-that-needs-a-service-linked-role",
        ),
    ],
)
def test_a_template_needing_more_than_the_deploy_role_has_is_caught(
    stacks, deploy_roles, resource, message
):
    found = uncovered(
        _with_resource(stacks, "dev/us-east-1/storage", "Added", resource), deploy_roles.__getitem__
    )
    assert any(message in line and line.startswith("dev/us-east-1/storage") for line in found), (
        found
    )


def test_a_deploy_role_lacking_a_permission_is_caught(stacks, deploy_roles):
    # GIVEN dev's deploy role without rds:CreateDBCluster, and without passing roles to CloudTrail
    narrowed = copy.deepcopy(deploy_roles["dev"])
    for doc in narrowed:
        for statement in doc["Statement"]:
            actions = statement.get("Action", [])
            if isinstance(actions, list) and "rds:CreateDBCluster" in actions:
                actions.remove("rds:CreateDBCluster")
            condition = statement.get("Condition", {}).get("StringEquals", {})
            if "iam:PassedToService" in condition:
                condition["iam:PassedToService"].remove("cloudtrail.amazonaws.com")
    dev = {name: stack for name, stack in stacks.items() if name.startswith("dev/")}
    found = uncovered(dev, lambda _env: narrowed)
    assert "dev/us-east-1/cluster: AWS::RDS::DBCluster needs rds:CreateDBCluster" in " ".join(found)
    assert any("AWS::CloudTrail::Trail needs iam:PassRole" in line for line in found), found


def test_a_withheld_permissions_premise_that_breaks_is_caught(stacks):
    peering = {"Type": "AWS::EC2::VPCPeeringConnection", "Properties": {"PeerRoleArn": "x"}}
    template = copy.deepcopy(stacks["prod/us-east-1/peering"][1])
    template["Resources"]["Added"] = peering
    assert withheld_premises([template]) == ["Added: PeerRoleArn needs sts:AssumeRole (withheld)"]


# What PowerUserAccess allowed that the generated set does not (resources: "*").
NO_LONGER_ALLOWED = [
    "ec2:RunInstances",  # compute the stacks never create
    "ec2:CreateInternetGateway",  # a way out of the private-only VPCs
    "ec2:AttachInternetGateway",
    "ec2:CreateNatGateway",
    "ec2:CreateSnapshot",
    "ec2:ModifySnapshotAttribute",  # share a volume snapshot with another account
    "rds:ModifyDBClusterSnapshotAttribute",  # share a database snapshot with another account
    "rds:CopyDBClusterSnapshot",
    "ssm:SendCommand",
    "ssm:StartSession",
    "lambda:CreateFunctionUrlConfig",  # a public URL to a function
    "s3:PutAccountPublicAccessBlock",  # lift the account's public access block
    "ecr:BatchGetImage",
    "logs:GetLogEvents",
    "sts:GetFederationToken",
    "sts:AssumeRole",
    "guardduty:DeleteDetector",
    "config:StopConfigurationRecorder",
    "sagemaker:CreateNotebookInstance",  # any service the project does not use
    "bedrock:InvokeModel",
    "iam:DeleteServiceLinkedRole",
]


@pytest.mark.parametrize("action", NO_LONGER_ALLOWED)
def test_powerusers_extra_reach_is_gone(deploy_roles, action):
    power_user = [document(POWER_USER)]
    assert policy.decide(power_user, policy.Request(action, "*")) == policy.ALLOW
    assert policy.decide(deploy_roles["prod"], policy.Request(action, "*")) != policy.ALLOW


def test_only_the_services_the_stacks_use_are_granted(deploy_roles):
    services = {a.split(":")[0] for a in granted_actions()}
    assert {"cloudformation", "ec2", "rds", "s3", "kms", "lambda", "ecr"} <= services
    assert len(services) < 40  # PowerUserAccess: every service but IAM, Organizations, Account
    assert not {"sagemaker", "bedrock", "guardduty", "config", "iam", "sts"} & services
