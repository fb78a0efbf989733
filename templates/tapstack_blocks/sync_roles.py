"""The sync's account-level roles (iam stack): prod's sync role, which may assume exactly the
sync-target roles, and each target's role (staging, dev), trusting exactly prod's sync role with
an ExternalId and reading exactly its own sync-writer secret."""

from awacs import kms, secretsmanager, sts
from awacs.aws import Allow, ArnEquals, ForAnyValueStringEquals, Policy, Statement, StringEquals
from awacs.aws import Condition as PolicyCondition
from troposphere import Parameter, Ref, Sub
from troposphere.iam import Policy as RolePolicy
from troposphere.iam import Role

from tapstack_blocks.cross_account import (
    SESSION_SECONDS,
    SYNC_ROLE,
    SYNC_TARGET_ROLE,
    environment_key_alias,
    role_name,
    trust_exact_role,
)
from tapstack_blocks.iam import aws_managed_policy_arn, service_trust_policy
from tapstack_blocks.naming import PROJECT, database_secret_arn
from tapstack_blocks.suppressions import INLINE_POLICY, scanner_metadata

IS_SYNC_TARGET = "IsSyncTarget"
# AWS managed policies, by name (ARNs are built with the partition).
LAMBDA_VPC_ACCESS = "service-role/AWSLambdaVPCAccessExecutionRole"  # ENIs and logs


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


def sync_target_role(parameters: dict[str, Parameter], boundary: Ref) -> Role:
    """staging/dev: `tapstack-sync-target-{env}`, what prod's sync role assumes here."""
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
        PermissionsBoundary=boundary,
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


def _sync_function_arn() -> Sub:
    """The sync function (sync stack): `tapstack-sync-{env}-{suffix}` in this account."""
    return Sub(
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
        f"{PROJECT}-sync-${{EnvironmentName}}-${{EnvironmentSuffix}}"
    )


def sync_role(parameters: dict[str, Parameter], is_prod: str, boundary: Ref) -> Role:
    """prod: `tapstack-sync-prod`, the sync function's role."""
    return Role(
        "SyncRole",
        Metadata=scanner_metadata(INLINE_POLICY),
        Condition=is_prod,
        RoleName=role_name(SYNC_ROLE),
        Description="tapstack: the prod sync Lambda; assumes exactly the sync-target roles",
        # Only the sync function (sync stack, `tapstack-sync-{env}-{suffix}`) may take this role:
        # another prod function given it would get its reach into staging and dev.
        AssumeRolePolicyDocument=service_trust_policy(
            "lambda.amazonaws.com", source_arn=_sync_function_arn()
        ),
        MaxSessionDuration=SESSION_SECONDS,
        PermissionsBoundary=boundary,
        ManagedPolicyArns=[aws_managed_policy_arn(LAMBDA_VPC_ACCESS)],
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
                            # Lambda puts the calling function's ARN in its credentials'
                            # context: only the sync function's code reaches the targets,
                            # whatever the trust policy lets assume this role.
                            Condition=PolicyCondition(
                                ArnEquals("lambda:SourceFunctionArn", _sync_function_arn())
                            ),
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
