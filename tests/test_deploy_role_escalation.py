"""The deploy role cannot escalate: each path is evaluated against the rendered policies.

The deploy role's policies (its generated service policies and its inline policy, as rendered
for prod) and the key policy are evaluated with the local AWS's policy evaluator
(emulator/tapstack_emulator/policy_evaluation.py: explicit Deny wins, conditions evaluated).
Each escalation path is refused; each has a permitted twin, so the test fails if the guard is
missing or if the policy stops allowing what a launch needs.
"""

import sys
from pathlib import Path

import pytest
from tapstack_tools.identity_plane import policy
from tapstack_tools.managed_policies import customer_managed, document
from tapstack_tools.reachability import Evaluator, Facts, StackInput

PROD = "333333333333"
DEPLOY_ROLE = f"arn:aws:iam::{PROD}:role/tapstack-deploy-prod"
BOUNDARY = f"arn:aws:iam::{PROD}:policy/tapstack-boundary-prod"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
NEW_ROLE = f"arn:aws:iam::{PROD}:role/tapstack-x"
OWN_POLICY = f"arn:aws:iam::{PROD}:policy/tapstack-deploy-prod-services-1"
RDS_LINKED_ROLE = (
    f"arn:aws:iam::{PROD}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS"
)
BOOTSTRAP_ROLE = f"arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole"


def evaluated(documents: dict, stack: str) -> dict[str, dict]:
    """The stack's resources with prod's parameter values and pseudo parameters."""
    facts = Facts(accounts={"prod": PROD}, prod_cidrs=[], other_cidrs=[], sync_subnets=[])
    parameters = {"EnvironmentName": "prod", "EnvironmentSuffix": "main"}
    stack_input = StackInput(stack, "prod", "us-east-1", documents[stack], parameters)
    return Evaluator(stack_input, facts).resources()


@pytest.fixture(scope="module")
def deploy_role_policies(documents) -> list[dict]:
    resources = evaluated(documents, "prod/us-east-1/iam")
    role = resources["DeployRole"]["Properties"]
    local = customer_managed(resources, PROD)
    assert OWN_POLICY in role["ManagedPolicyArns"] and BOUNDARY not in role["ManagedPolicyArns"]
    managed = [document(arn, local) for arn in role["ManagedPolicyArns"]]
    return managed + [inline["PolicyDocument"] for inline in role["Policies"]]


@pytest.fixture(scope="module")
def boundary_document(documents) -> dict:
    resource = evaluated(documents, "prod/us-east-1/iam")["PermissionsBoundary"]
    assert resource["Properties"]["ManagedPolicyName"] == "tapstack-boundary-prod"
    return resource["Properties"]["PolicyDocument"]


def decide(policies: list[dict], action: str, resource: str, **context: str) -> str | None:
    return policy.decide(policies, policy.Request(action, resource, context))


ESCALATIONS = [
    pytest.param(
        "iam:AttachRolePolicy", DEPLOY_ROLE, {"iam:PolicyARN": ADMIN}, id="attach-admin-to-self"
    ),
    pytest.param(
        "iam:AttachRolePolicy",
        DEPLOY_ROLE,
        {"iam:PolicyARN": ADMIN, "iam:PermissionsBoundary": BOUNDARY},
        id="attach-admin-to-self-claiming-the-boundary",
    ),
    pytest.param("iam:PutRolePolicy", DEPLOY_ROLE, {}, id="inline-policy-on-self"),
    pytest.param("iam:CreatePolicyVersion", OWN_POLICY, {}, id="rewrite-own-managed-policy"),
    pytest.param("iam:SetDefaultPolicyVersion", OWN_POLICY, {}, id="switch-own-policy-version"),
    pytest.param("iam:DeletePolicy", OWN_POLICY, {}, id="delete-own-managed-policy"),
    pytest.param(
        "iam:DetachRolePolicy",
        DEPLOY_ROLE,
        {"iam:PolicyARN": OWN_POLICY, "iam:PermissionsBoundary": BOUNDARY},
        id="detach-own-managed-policy",
    ),
    pytest.param(
        "iam:CreateServiceLinkedRole",
        f"arn:aws:iam::{PROD}:role/aws-service-role/elasticbeanstalk.amazonaws.com/x",
        {"iam:AWSServiceName": "elasticbeanstalk.amazonaws.com"},
        id="service-linked-role-of-another-service",
    ),
    pytest.param("iam:UpdateAssumeRolePolicy", DEPLOY_ROLE, {}, id="rewrite-own-trust"),
    pytest.param("iam:DeleteRolePermissionsBoundary", NEW_ROLE, {}, id="remove-a-boundary"),
    pytest.param("iam:CreatePolicyVersion", BOUNDARY, {}, id="rewrite-the-boundary"),
    pytest.param("iam:DeletePolicy", BOUNDARY, {}, id="delete-the-boundary"),
    pytest.param("iam:CreateRole", NEW_ROLE, {}, id="create-tapstack-x-without-boundary"),
    pytest.param(
        "iam:CreateRole",
        NEW_ROLE,
        {"iam:PermissionsBoundary": f"arn:aws:iam::{PROD}:policy/tapstack-other"},
        id="create-tapstack-x-with-another-boundary",
    ),
    pytest.param(
        "iam:AttachRolePolicy",
        NEW_ROLE,
        {"iam:PolicyARN": ADMIN},
        id="attach-admin-to-unbounded-tapstack-x",
    ),
    pytest.param(
        "iam:PutRolePermissionsBoundary",
        NEW_ROLE,
        {"iam:PermissionsBoundary": ADMIN},
        id="swap-boundary-for-admin",
    ),
    pytest.param(
        "iam:PassRole",
        DEPLOY_ROLE,
        {"iam:PassedToService": "lambda.amazonaws.com"},
        id="pass-self-to-lambda",
    ),
    pytest.param(
        "iam:PassRole",
        BOOTSTRAP_ROLE,
        {"iam:PassedToService": "lambda.amazonaws.com"},
        id="pass-admin-role-to-lambda",
    ),
    pytest.param(
        "iam:PassRole",
        NEW_ROLE,
        {"iam:PassedToService": "ec2.amazonaws.com"},
        id="pass-project-role-to-ec2",
    ),
    pytest.param(
        "iam:UpdateAssumeRolePolicy", BOOTSTRAP_ROLE, {}, id="rewrite-the-admin-roles-trust"
    ),
    pytest.param("sts:AssumeRole", BOOTSTRAP_ROLE, {}, id="assume-the-admin-role"),
    pytest.param(
        "sts:AssumeRole",
        "arn:aws:iam::222222222222:role/tapstack-deploy-staging",
        {},
        id="assume-another-deploy-role",
    ),
]


@pytest.mark.parametrize(("action", "resource", "context"), ESCALATIONS)
def test_each_escalation_path_is_refused(deploy_role_policies, action, resource, context):
    assert decide(deploy_role_policies, action, resource, **context) != policy.ALLOW


PERMITTED = [
    pytest.param(
        "iam:CreateRole",
        NEW_ROLE,
        {"iam:PermissionsBoundary": BOUNDARY},
        id="create-within-boundary",
    ),
    pytest.param(
        "iam:AttachRolePolicy",
        NEW_ROLE,
        {"iam:PolicyARN": ADMIN, "iam:PermissionsBoundary": BOUNDARY},
        id="attach-to-bounded-role",
    ),
    pytest.param(
        "iam:PutRolePolicy",
        NEW_ROLE,
        {"iam:PermissionsBoundary": BOUNDARY},
        id="inline-on-bounded-role",
    ),
    pytest.param(
        "iam:PassRole",
        NEW_ROLE,
        {"iam:PassedToService": "lambda.amazonaws.com"},
        id="pass-to-lambda",
    ),
    pytest.param(
        "iam:PassRole",
        NEW_ROLE,
        {"iam:PassedToService": "states.amazonaws.com"},
        id="pass-to-states",
    ),
    pytest.param("iam:UpdateAssumeRolePolicy", NEW_ROLE, {}, id="project-role-trust"),
    pytest.param(
        "iam:CreatePolicy",
        f"arn:aws:iam::{PROD}:policy/tapstack-prod-sync-x",
        {},
        id="create-policy",
    ),
    pytest.param(
        "rds:CreateDBCluster",
        f"arn:aws:rds:us-east-1:{PROD}:cluster:x",
        {},
        id="generated-service-action",
    ),
    pytest.param(
        "iam:CreateServiceLinkedRole",
        RDS_LINKED_ROLE,
        {"iam:AWSServiceName": "rds.amazonaws.com"},
        id="rds-service-linked-role",
    ),
    pytest.param(
        "iam:PassRole",
        NEW_ROLE,
        {"iam:PassedToService": "cloudtrail.amazonaws.com"},
        id="pass-to-cloudtrail",
    ),
]


@pytest.mark.parametrize(("action", "resource", "context"), PERMITTED)
def test_what_a_launch_needs_is_still_allowed(deploy_role_policies, action, resource, context):
    assert decide(deploy_role_policies, action, resource, **context) == policy.ALLOW


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        pytest.param("iam:AttachRolePolicy", NEW_ROLE, id="iam"),
        pytest.param("iam:PassRole", NEW_ROLE, id="pass-role"),
        pytest.param("sts:AssumeRole", DEPLOY_ROLE, id="assume-the-deploy-role"),
        pytest.param(
            "sts:AssumeRole",
            "arn:aws:iam::222222222222:role/tapstack-peering-accepter-staging",
            id="assume-a-peering-accepter",
        ),
        pytest.param("organizations:LeaveOrganization", "*", id="organizations"),
    ],
)
def test_a_bounded_admin_tapstack_x_still_cannot_touch_iam_or_the_deploy_plane(
    boundary_document, action, resource
):
    # GIVEN tapstack-x created within the boundary with AdministratorAccess attached: its
    # effective permissions are what both allow, and the boundary allows none of these.
    assert decide([boundary_document], action, resource) != policy.ALLOW
    assert decide([boundary_document], "s3:GetObject", "arn:aws:s3:::b/k") == policy.ALLOW


def test_every_role_of_every_stack_carries_the_boundary(documents):
    unbounded = [
        f"{stack}/{logical_id}"
        for stack, template in documents.items()
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::Role"
        and logical_id != "DeployRole"
        and "PermissionsBoundary" not in resource["Properties"]
    ]
    assert unbounded == []


KEY_ROOT = {"AWS": {DEPLOY_ROLE, f"arn:aws:iam::{PROD}:root"}}


@pytest.fixture(scope="module")
def key_policy(documents) -> dict:
    key = evaluated(documents, "prod/us-east-1/kms")["EnvironmentKey"]["Properties"]
    return key["KeyPolicy"]


@pytest.mark.parametrize(
    ("action", "context", "allowed"),
    [
        pytest.param("kms:Decrypt", {}, False, id="decrypt"),
        pytest.param("kms:Encrypt", {}, False, id="encrypt"),
        pytest.param("kms:GenerateDataKey", {}, False, id="generate-data-key"),
        pytest.param("kms:ReEncryptFrom", {}, False, id="re-encrypt"),
        pytest.param("kms:CreateGrant", {}, False, id="grant-to-anyone"),
        pytest.param(
            "kms:CreateGrant",
            {"kms:GrantIsForAWSResource": "false"},
            False,
            id="grant-not-for-a-resource",
        ),
        pytest.param(
            "kms:CreateGrant",
            {"kms:GrantIsForAWSResource": "true"},
            True,
            id="grant-for-an-aws-resource",
        ),
        pytest.param("kms:PutKeyPolicy", {}, True, id="administer"),
        pytest.param("kms:DescribeKey", {}, True, id="describe"),
    ],
)
def test_the_key_policy_lets_the_deploy_role_administer_but_not_use_the_key(
    key_policy, action, context, allowed
):
    request = policy.Request(action, "*", context, principals=KEY_ROOT)
    assert (policy.decide([key_policy], request) == policy.ALLOW) is allowed


def test_a_role_without_the_boundary_is_refused_naming_file_resource_and_key(tmp_path):
    # GIVEN a copy of the project whose enhanced-monitoring role lost its boundary
    import subprocess

    from tapstack_tools.project_copy import copy_project

    copy_project(tmp_path)
    # (the cluster stack's, created with the cluster: templates/cluster.py)
    cluster = tmp_path / "templates/cluster.py"
    text = cluster.read_text()
    assert text.count("PermissionsBoundary=permissions_boundary_arn(),") == 1
    cluster.write_text(text.replace("PermissionsBoundary=permissions_boundary_arn(),", ""))
    # WHEN Sceptre renders it; THEN one message names the file, the resource and the key
    sceptre = str(Path(sys.executable).with_name("sceptre"))
    result = subprocess.run(  # noqa: S603 - fixed argv
        [
            sceptre,
            "--dir",
            str(tmp_path),
            "--output",
            "json",
            "generate",
            "dev/us-east-1/cluster.yaml",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"},
    )
    assert result.returncode != 0
    assert (
        "templates/cluster.py: Resources.EnhancedMonitoringRole.Properties.PermissionsBoundary = "
        "<missing>" in result.stdout + result.stderr
    ), result.stdout + result.stderr
