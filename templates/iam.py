"""iam stack: the account-level roles of one environment (launched in its home region only).

- `tapstack-deploy-{env}`: the role every stack group of the account assumes (Sceptre's
  `sceptre_role`). It trusts exactly one deployer principal. The stack's first launch in a new
  account runs with the account's admin role (`--var bootstrap=true`, docs/security.md); from
  then on the deploy role manages this stack, itself included.
- staging/dev: `tapstack-sync-target-{env}`, trusting exactly prod's sync role with an
  ExternalId; it may read this environment's sync-writer secret and decrypt it with this
  environment's key, nothing else.
- prod: `tapstack-sync-prod`, the sync Lambda's role, which may assume exactly the targets.

The stack has no dependency: every other stack (kms first, whose key policy names the deploy
role) depends on it, so it is created first and deleted last.
"""

from awacs import iam, kms, secretsmanager, sts
from awacs.aws import Allow, ForAnyValueStringEquals, Policy, Statement, StringEquals
from awacs.aws import Condition as PolicyCondition
from pydantic import BaseModel, ConfigDict
from tapstack_blocks.cross_account import (
    DEPLOY_ROLE,
    EXTERNAL_ID_PATTERN,
    PRINCIPAL_ARN_PATTERN,
    ROLE_ARN_PATTERN,
    SYNC_ROLE,
    SYNC_TARGET_ROLE,
    database_secret_arn,
    environment_key_alias,
    role_name,
    trust_exact_principal,
    trust_exact_role,
)
from tapstack_blocks.handler import render
from tapstack_blocks.iam import service_trust_policy
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters, add_is_prod_condition
from tapstack_blocks.suppressions import INLINE_POLICY, scanner_metadata
from troposphere import Condition, GetAtt, Not, Parameter, Ref, Sub, Template
from troposphere.iam import Policy as RolePolicy
from troposphere.iam import Role

IS_SYNC_TARGET = "IsSyncTarget"
# AWS managed policies, by name (ARNs are built with the partition).
POWER_USER = "PowerUserAccess"  # every service except IAM, Organizations and Account
LAMBDA_VPC_ACCESS = "service-role/AWSLambdaVPCAccessExecutionRole"  # ENIs and logs
ROLE_ACTIONS = [
    iam.CreateRole,
    iam.DeleteRole,
    iam.GetRole,
    iam.UpdateRole,
    iam.UpdateRoleDescription,
    iam.UpdateAssumeRolePolicy,
    iam.TagRole,
    iam.UntagRole,
    iam.ListRoleTags,
    iam.PutRolePolicy,
    iam.GetRolePolicy,
    iam.DeleteRolePolicy,
    iam.ListRolePolicies,
    iam.AttachRolePolicy,
    iam.DetachRolePolicy,
    iam.ListAttachedRolePolicies,
    iam.PassRole,
]
SESSION_SECONDS = 3600


class IamOptions(BaseModel):
    """The iam template takes no sceptre_user_data; anything given is an error."""

    model_config = ConfigDict(extra="forbid")


def build(_options: IamOptions) -> Template:
    """The iam stack's template."""
    template = Template(Description="tapstack iam: deploy role and cross-account sync roles")
    add_environment_parameters(template)
    is_prod = add_is_prod_condition(template)
    template.add_condition(IS_SYNC_TARGET, Not(Condition(is_prod)))
    parameters = _add_parameters(template)
    deploy_role = template.add_resource(_deploy_role(parameters["DeployerPrincipalArn"]))
    sync_target = template.add_resource(_sync_target_role(parameters))
    sync_role = template.add_resource(_sync_role(parameters, is_prod))
    add_exported_output(
        template, "DeployRoleArn", GetAtt(deploy_role, "Arn"), "The account's deploy role"
    )
    add_exported_output(
        template,
        "SyncTargetRoleArn",
        GetAtt(sync_target, "Arn"),
        "Role prod's sync assumes in this account",
        condition=IS_SYNC_TARGET,
    )
    add_exported_output(
        template, "SyncRoleArn", GetAtt(sync_role, "Arn"), "Prod sync role", condition=is_prod
    )
    add_exported_output(
        template, "SyncRoleName", Ref(sync_role), "Prod sync role name", condition=is_prod
    )
    return template


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        Parameter(
            "DeployerPrincipalArn",
            Type="String",
            AllowedPattern=PRINCIPAL_ARN_PATTERN,
            Description="The one principal (CI or operator role) that may assume the deploy role.",
            ConstraintDescription="must be the ARN of an IAM role or user",
        ),
        Parameter(
            "SyncSourceRoleArn",
            Type="String",
            AllowedPattern=ROLE_ARN_PATTERN,
            Description="Prod's sync role, the only principal the sync-target role trusts.",
            ConstraintDescription="must be the ARN of an IAM role",
        ),
        Parameter(
            "SyncTargetRoleArns",
            Type="CommaDelimitedList",
            AllowedPattern=ROLE_ARN_PATTERN,
            Description="The sync-target roles (staging, dev), all prod's sync may assume.",
            ConstraintDescription="must be a comma-separated list of IAM role ARNs",
        ),
        Parameter(
            "SyncExternalId",
            Type="String",
            AllowedPattern=EXTERNAL_ID_PATTERN,
            Description="ExternalId the sync role must present to assume a sync-target role.",
            ConstraintDescription="must be 16 or more of A-Z a-z 0-9 +=,.@:/_-",
        ),
    ]
    return {parameter.title: template.add_parameter(parameter) for parameter in specs}


def _managed_policy(name: str) -> Sub:
    return Sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{name}")


def _deploy_role(deployer) -> Role:
    # CloudFormation names roles it generates `{stack}-{logical id}-{random}`, and every stack
    # is named `tapstack-...`: the wildcard after `tapstack-` covers exactly the project's roles.
    project_roles = Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/tapstack-*")
    return Role(
        "DeployRole",
        Metadata=scanner_metadata(INLINE_POLICY),
        RoleName=role_name(DEPLOY_ROLE),
        Description="tapstack: the role Sceptre assumes to deploy this account's stacks",
        AssumeRolePolicyDocument=trust_exact_principal(Ref(deployer)),
        MaxSessionDuration=SESSION_SECONDS,
        ManagedPolicyArns=[_managed_policy(POWER_USER)],
        Policies=[
            RolePolicy(
                PolicyName="manage-project-roles",
                PolicyDocument=Policy(
                    Version="2012-10-17",
                    Statement=[
                        Statement(
                            Sid="ProjectRolesOnly",
                            Effect=Allow,
                            Action=ROLE_ACTIONS,
                            Resource=[project_roles],
                        )
                    ],
                ),
            )
        ],
    )


def decrypt_via_secrets_manager() -> Statement:
    """kms:Decrypt with this environment's key, only on behalf of Secrets Manager."""
    # The key's id is not known here (kms launches after this stack, because its key policy
    # names the deploy role), so the key is pinned by its alias instead: a key of this account
    # and region, but only the one aliased alias/tapstack-{env}, and only via Secrets Manager.
    account_keys = Sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*")
    return Statement(
        Sid="DecryptWithEnvironmentKeyViaSecretsManager",
        Effect=Allow,
        Action=[kms.Decrypt],
        Resource=[account_keys],
        Condition=PolicyCondition(
            [
                StringEquals("kms:ViaService", Sub("secretsmanager.${AWS::Region}.amazonaws.com")),
                ForAnyValueStringEquals("kms:ResourceAliases", environment_key_alias()),
            ]
        ),
    )


def _sync_target_role(parameters: dict[str, Parameter]) -> Role:
    return Role(
        "SyncTargetRole",
        Metadata=scanner_metadata(INLINE_POLICY),
        Condition=IS_SYNC_TARGET,
        RoleName=role_name(SYNC_TARGET_ROLE),
        Description="tapstack: prod's sync reads this environment's sync-writer secret",
        AssumeRolePolicyDocument=trust_exact_role(
            Ref(parameters["SyncSourceRoleArn"]), Ref(parameters["SyncExternalId"])
        ),
        MaxSessionDuration=SESSION_SECONDS,
        Policies=[
            RolePolicy(
                PolicyName="read-sync-writer-secret",
                PolicyDocument=Policy(
                    Version="2012-10-17",
                    Statement=[
                        Statement(
                            Sid="SyncWriterSecret",
                            Effect=Allow,
                            Action=[secretsmanager.GetSecretValue, secretsmanager.DescribeSecret],
                            Resource=[database_secret_arn("sync")],
                        ),
                        decrypt_via_secrets_manager(),
                    ],
                ),
            )
        ],
    )


def _sync_role(parameters: dict[str, Parameter], is_prod: str) -> Role:
    return Role(
        "SyncRole",
        Metadata=scanner_metadata(INLINE_POLICY),
        Condition=is_prod,
        RoleName=role_name(SYNC_ROLE),
        Description="tapstack: the prod sync Lambda; assumes exactly the sync-target roles",
        AssumeRolePolicyDocument=service_trust_policy("lambda.amazonaws.com"),
        MaxSessionDuration=SESSION_SECONDS,
        ManagedPolicyArns=[_managed_policy(LAMBDA_VPC_ACCESS)],
        Policies=[
            RolePolicy(
                PolicyName="assume-sync-targets",
                PolicyDocument=Policy(
                    Version="2012-10-17",
                    Statement=[
                        Statement(
                            Sid="SyncTargetsOnly",
                            Effect=Allow,
                            Action=[sts.AssumeRole],
                            Resource=Ref(parameters["SyncTargetRoleArns"]),
                        ),
                        Statement(
                            Sid="SyncReaderSecret",
                            Effect=Allow,
                            Action=[secretsmanager.GetSecretValue, secretsmanager.DescribeSecret],
                            Resource=[database_secret_arn("sync")],
                        ),
                        decrypt_via_secrets_manager(),
                    ],
                ),
            )
        ],
    )


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("iam", IamOptions, build, sceptre_user_data)
