"""The permissions boundary every tapstack role carries, and the deploy role's IAM guard rails.

The deploy role may create and change project roles (`role/tapstack-*`) only when the role
carries the boundary `tapstack-boundary-{env}` (`iam:PermissionsBoundary`), may pass them only
to the services that run them (`iam:PassedToService`), and may never change itself, its own
managed policies or the boundary, remove a boundary, or assume a role. The boundary caps what
any project role can do, whatever policy is later attached to it: nothing in IAM, Organizations
or Account, and never assume a deploy or peering-accepter role. docs/security.md, "Deploy role
guard rails".
"""

from awacs import iam, sts
from awacs.aws import Action, Allow, Condition, Deny, Policy, Statement, StringEquals
from tapstack_environment.conventions import DEPLOY_ROLE
from troposphere import Sub

from tapstack_blocks.deploy_role_policy import policies_arn_pattern
from tapstack_blocks.naming import ENVIRONMENT_PARAMETER, PROJECT, deploy_role_arn

BOUNDARY_POLICY = f"{PROJECT}-boundary"  # + "-{env}"
# (template, logical id) of the roles without it: the deploy role, created by the account's
# admin at bootstrap, which must be able to create bounded roles.
UNBOUNDED_ROLES = frozenset({("iam", "DeployRole")})
# Services the project's roles are passed to (CloudFormation resources that take a role ARN).
PASSED_TO_SERVICES = (
    "lambda.amazonaws.com",  # every function
    "states.amazonaws.com",  # the sync workflow
    "events.amazonaws.com",  # the sync schedule
    "s3.amazonaws.com",  # audit-log replication
    "rds.amazonaws.com",  # enhanced monitoring (MonitoringRoleArn)
    "monitoring.rds.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",  # flow logs
    "cloudformation.amazonaws.com",  # the StackSet's administration role
    "cloudtrail.amazonaws.com",  # the trail's CloudWatch Logs role (CloudWatchLogsRoleArn)
)
# Service-linked roles the stacks' resource handlers may create: RDS's (AWSServiceRoleForRDS,
# made with an account's first DB cluster). Other handlers list iam:CreateServiceLinkedRole for
# features the stacks do not use (tapstack_tools.deploy_role_coverage checks that they do not).
SERVICE_LINKED_ROLE_SERVICES = ("rds.amazonaws.com",)
ROLES_WITH_BOUNDARY_ACTIONS = [
    iam.CreateRole,
    iam.PutRolePermissionsBoundary,
    iam.AttachRolePolicy,
    iam.DetachRolePolicy,
    iam.PutRolePolicy,
    iam.DeleteRolePolicy,
]
# IAM has no iam:PermissionsBoundary key for these; the role keeps its boundary regardless.
ROLE_UPKEEP_ACTIONS = [
    iam.DeleteRole,
    iam.UpdateRole,
    iam.UpdateRoleDescription,
    iam.UpdateAssumeRolePolicy,
    iam.TagRole,
    iam.UntagRole,
]
READ_ACTIONS = [
    iam.GetRole,
    iam.GetRolePolicy,
    iam.ListRolePolicies,
    iam.ListAttachedRolePolicies,
    iam.ListRoleTags,
    iam.GetPolicy,
    iam.GetPolicyVersion,
    iam.ListPolicyVersions,
    iam.ListEntitiesForPolicy,
]
POLICY_ACTIONS = [
    iam.CreatePolicy,
    iam.DeletePolicy,
    iam.CreatePolicyVersion,
    iam.DeletePolicyVersion,
    iam.TagPolicy,
    iam.UntagPolicy,
]


_CEILING = (
    "A permissions boundary grants nothing: it is the ceiling of what a project role's own "
    "policies may grant (those name their resources). It allows no IAM, Organizations or "
    "Account action at all and denies assuming the deploy plane's roles."
)
# checkov reads the boundary as if it were a grant; each suppression says why it is not.
BOUNDARY_SCANNER_SUPPRESSIONS = [
    {"id": check, "comment": _CEILING}
    for check in ("CKV_AWS_107", "CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_110", "CKV_AWS_111")
]


def permissions_boundary_arn() -> Sub:
    """`arn:…:policy/tapstack-boundary-{env}`: the boundary of every role in this account."""
    return Sub(
        f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{BOUNDARY_POLICY}-"
        f"${{{ENVIRONMENT_PARAMETER}}}"
    )


def _account_arn(kind: str) -> Sub:
    return Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:{kind}/{PROJECT}-*")


def boundary_policy() -> Policy:
    """What any project role may ever do: everything but IAM, Organizations and Account, and
    never assume a deploy or peering-accepter role (of any account)."""
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="CeilingForProjectRoles",
                Effect=Allow,
                NotAction=[
                    Action("iam", "*"),
                    Action("organizations", "*"),
                    Action("account", "*"),
                ],
                Resource=["*"],
            ),
            Statement(
                Sid="NeverTheDeployPlane",
                Effect=Deny,
                Action=[sts.AssumeRole, sts.TagSession, sts.SetSourceIdentity],
                Resource=[
                    Sub(f"arn:${{AWS::Partition}}:iam::*:role/{DEPLOY_ROLE}-*"),
                    Sub(f"arn:${{AWS::Partition}}:iam::*:role/{PROJECT}-peering-accepter-*"),
                ],
            ),
        ],
    )


def deploy_role_iam_policy() -> Policy:
    """The deploy role's IAM permissions (its generated managed policies have none)."""
    project_roles = _account_arn("role")
    boundary = permissions_boundary_arn()
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="ReadProjectRolesAndPolicies",
                Effect=Allow,
                Action=READ_ACTIONS,
                Resource=[project_roles, _account_arn("policy")],
            ),
            Statement(
                Sid="ChangeProjectRolesOnlyWithinTheBoundary",
                Effect=Allow,
                Action=ROLES_WITH_BOUNDARY_ACTIONS,
                Resource=[project_roles],
                Condition=Condition(StringEquals("iam:PermissionsBoundary", boundary)),
            ),
            Statement(
                Sid="KeepProjectRoles",
                Effect=Allow,
                Action=ROLE_UPKEEP_ACTIONS,
                Resource=[project_roles],
            ),
            Statement(
                Sid="ManageProjectPolicies",
                Effect=Allow,
                Action=POLICY_ACTIONS,
                Resource=[_account_arn("policy")],
            ),
            Statement(
                Sid="PassProjectRolesToTheirServicesOnly",
                Effect=Allow,
                Action=[iam.PassRole],
                Resource=[project_roles],
                Condition=Condition(StringEquals("iam:PassedToService", list(PASSED_TO_SERVICES))),
            ),
            Statement(
                Sid="CreateOnlyTheServiceLinkedRolesTheStacksNeed",
                Effect=Allow,
                Action=[iam.CreateServiceLinkedRole],
                Resource=[
                    Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/*")
                ],
                Condition=Condition(
                    StringEquals("iam:AWSServiceName", list(SERVICE_LINKED_ROLE_SERVICES))
                ),
            ),
            Statement(
                # RDS's create and update handlers list the account's roles (registry schema
                # of AWS::RDS::DBInstance); IAM has no narrower resource for ListRoles.
                Sid="ListRolesAsRdsDoes",
                Effect=Allow,
                Action=[iam.ListRoles],
                Resource=["*"],
            ),
            Statement(
                Sid="NeverChangeItselfOrTheBoundary",
                Effect=Deny,
                NotAction=[Action("iam", "Get*"), Action("iam", "List*")],
                Resource=[deploy_role_arn(), policies_arn_pattern(), boundary],
            ),
            Statement(
                Sid="NeverRemoveABoundary",
                Effect=Deny,
                Action=[iam.DeleteRolePermissionsBoundary],
                Resource=["*"],
            ),
            Statement(
                Sid="NeverAssumeARole",
                Effect=Deny,
                Action=[
                    sts.AssumeRole,
                    sts.AssumeRoleWithSAML,
                    sts.AssumeRoleWithWebIdentity,
                    sts.TagSession,
                ],
                Resource=["*"],
            ),
        ],
    )
