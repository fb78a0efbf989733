"""Key policy for an environment's customer-managed key, naming exact principals.

No statement uses a wildcard principal. The deploy role administers the key but cannot use it:
no Encrypt, Decrypt, GenerateDataKey or ReEncrypt of its own, and grants only for AWS resources
(`kms:GrantIsForAWSResource`, what CloudFormation's RDS, Lambda or DynamoDB creates on its
behalf). Principals of this account may use it only through the AWS services listed
(kms:ViaService) and only with an IAM policy that also grants it; CloudWatch Logs may use it
only for this account's log groups and CloudWatch alarms only for this account's alarms.
"""

from awacs import kms
from awacs.aws import (
    Allow,
    ArnLike,
    Bool,
    Condition,
    Policy,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import Sub

from tapstack_blocks.naming import deploy_role_arn

ADMIN_ACTIONS = [
    kms.CancelKeyDeletion,
    kms.CreateAlias,
    kms.DeleteAlias,
    kms.DisableKey,
    kms.DisableKeyRotation,
    kms.EnableKey,
    kms.EnableKeyRotation,
    kms.GetKeyPolicy,
    kms.GetKeyRotationStatus,
    kms.ListAliases,
    kms.ListResourceTags,
    kms.PutKeyPolicy,
    kms.RotateKeyOnDemand,
    kms.ScheduleKeyDeletion,
    kms.TagResource,
    kms.UntagResource,
    kms.UpdateAlias,
    kms.UpdateKeyDescription,
]
USE_ACTIONS = [
    kms.Decrypt,
    kms.DescribeKey,
    kms.Encrypt,
    kms.GenerateDataKey,
    kms.GenerateDataKeyWithoutPlaintext,
    kms.ReEncryptFrom,
    kms.ReEncryptTo,
]
# Services that encrypt tapstack data with the key on a caller's behalf.
VIA_SERVICES = ("s3", "rds", "secretsmanager", "ssm", "dynamodb", "lambda", "sns", "ecr", "sqs")

ACCOUNT_ROOT = "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"


def key_policy(extra_statements: list[Statement] | None = None) -> Policy:
    """The key policy: deploy-role administration, service-scoped use, CloudWatch Logs."""
    statements = [
        Statement(
            Sid="KeyAdministrationByDeployRole",
            Effect=Allow,
            Principal=Principal("AWS", deploy_role_arn()),
            Action=[*ADMIN_ACTIONS, kms.DescribeKey],
            Resource=["*"],  # in a key policy "*" means this key
        ),
        Statement(
            Sid="GrantsForAwsResourcesOnlyByDeployRole",
            Effect=Allow,
            Principal=Principal("AWS", deploy_role_arn()),
            Action=[kms.CreateGrant, kms.ListGrants, kms.RevokeGrant],
            Resource=["*"],
            Condition=Condition(Bool("kms:GrantIsForAWSResource", "true")),
        ),
        Statement(
            Sid="UseThroughAwsServicesOfThisAccount",
            Effect=Allow,
            Principal=Principal("AWS", Sub(ACCOUNT_ROOT)),
            Action=[*USE_ACTIONS, kms.CreateGrant, kms.ListGrants],
            Resource=["*"],
            Condition=Condition(
                [
                    StringEquals("kms:CallerAccount", Sub("${AWS::AccountId}")),
                    StringEquals(
                        "kms:ViaService",
                        [Sub(f"{svc}.${{AWS::Region}}.amazonaws.com") for svc in VIA_SERVICES],
                    ),
                ]
            ),
        ),
        Statement(
            Sid="CloudWatchLogsOfThisAccount",
            Effect=Allow,
            Principal=Principal("Service", Sub("logs.${AWS::Region}.amazonaws.com")),
            Action=[
                kms.Encrypt,
                kms.Decrypt,
                kms.ReEncryptFrom,
                kms.ReEncryptTo,
                kms.GenerateDataKey,
                kms.DescribeKey,
            ],
            Resource=["*"],
            Condition=Condition(
                ArnLike(
                    "kms:EncryptionContext:aws:logs:arn",
                    Sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"),
                )
            ),
        ),
        Statement(
            # Alarms publish to the KMS-encrypted alarm topics (monitoring and sync stacks).
            Sid="CloudWatchAlarmsOfThisAccount",
            Effect=Allow,
            Principal=Principal("Service", "cloudwatch.amazonaws.com"),
            Action=[kms.Decrypt, kms.GenerateDataKey],
            Resource=["*"],
            Condition=Condition(StringEquals("aws:SourceAccount", Sub("${AWS::AccountId}"))),
        ),
    ]
    return Policy(Version="2012-10-17", Statement=statements + (extra_statements or []))
