"""The database users' secrets: generated, replicated where the cluster is global, rotated.

Each user (migrator, sync, validator; prod's generated master too) has a secret in the RDS
shape, under the environment key, rotated every 30 days by lambda/rotation inside the VPC with
the single-user strategy (each user changes its own password). The users stack holds the
secrets and the rotation function; the migrations stack, which creates the users in the
database, starts the schedules once they exist.
"""

from typing import Literal

from awacs import kms, secretsmanager
from awacs.aws import Allow, Condition, Statement, StringEquals
from troposphere import AWSHelperFn, GetAtt, Parameter, Ref, Select, Split, Sub, Template
from troposphere.awslambda import Function, Permission
from troposphere.secretsmanager import (
    GenerateSecretString,
    ReplicaRegion,
    RotationRules,
    RotationSchedule,
    Secret,
)

from tapstack_blocks.functions import FunctionSpec, VpcPlacement, add_vpc_function
from tapstack_blocks.naming import database_secret_name
from tapstack_blocks.parameters import KMS_KEY_ARN_PATTERN
from tapstack_blocks.suppressions import scanner_metadata
from tapstack_blocks.tags import name_tags

# Who made the master secret: RDS (ManageMasterUserPassword; RDS rotates it and refuses any
# other rotation) or the cluster stack (a global database's primary: nothing rotates it unless the
# users stack's function does).
MasterCredentials = Literal["rds-managed", "generated"]
# Characters MySQL client tools and DSNs mishandle in passwords.
DSN_UNSAFE_CHARACTERS = "\"'@/\\:;%`$&?#"
PASSWORD_LENGTH = 32
ROTATION_CA_BUNDLE_PATH = "tapstack_db/rds-ca-bundle.pem"  # lambda/tapstack_db
ROTATION_DAYS = 30
ROTATION_SUPPRESSIONS = [
    {
        "id": "CKV_AWS_116",
        "comment": "Secrets Manager invokes each rotation step synchronously and records a "
        "failed step on the secret (AWSPENDING stays, the next attempt resumes idempotently, "
        "RotationFailed is an EventBridge event); a dead-letter queue would hold nothing "
        "anyone acts on.",
    },
]


def user_secret(
    logical_id: str, role: str, username, kms_key_arn, replica_key: Ref | None = None
) -> Secret:
    """A generated password for a database user, encrypted with the environment key (and
    replicated under `replica_key` to that key's region, when given)."""
    replicas = {}
    if replica_key is not None:
        region = Select(3, Split(":", replica_key))
        replicas["ReplicaRegions"] = [ReplicaRegion(Region=region, KmsKeyId=replica_key)]
    return Secret(
        logical_id,
        **replicas,
        Name=database_secret_name(role),
        Description=f"tapstack database user: {role}",
        KmsKeyId=kms_key_arn,
        GenerateSecretString=GenerateSecretString(
            # The RDS secret shape (what the rotation function and the sync read): where to
            # connect travels with the credentials; the password is generated here.
            SecretStringTemplate=Sub(
                '{"engine": "mysql", "host": "${DatabaseEndpoint}", "port": ${DatabasePort}, '
                '"dbname": "${DatabaseName}", "username": "${User}"}',
                User=username,
            ),
            GenerateStringKey="password",
            PasswordLength=PASSWORD_LENGTH,
            ExcludeCharacters=DSN_UNSAFE_CHARACTERS,
        ),
        Metadata=scanner_metadata(
            {
                "SECRETSMANAGER_ROTATION_ENABLED_CHECK": "Rotated every 30 days by "
                f"{logical_id}Rotation in the migrations stack, which starts it once the "
                "migration has created the user (this users stack owns the rotation function).",
            }
        ),
        Tags=name_tags(Sub(f"tapstack-db-{role}-${{EnvironmentName}}-${{EnvironmentSuffix}}")),
        DeletionPolicy="Delete",
        UpdateReplacePolicy="Delete",
    )


def add_rotation_function(
    template: Template,
    image_uri: AWSHelperFn,
    secrets: list[AWSHelperFn],
    extra_statements: list[Statement],
    placement: VpcPlacement,
) -> Function:
    """The rotation function and Secrets Manager's permission to run it (users stack); its role
    may touch exactly `secrets` (ARNs), plus `extra_statements`."""
    function = add_vpc_function(
        template,
        FunctionSpec(
            logical_id="RotationFunction",
            name="db-rotation",
            description="Rotates the database users' secrets (single user: own password)",
            handler="tapstack_rotation.handler.handler",
            image_uri=image_uri,
            environment={"DATABASE_CA_BUNDLE": ROTATION_CA_BUNDLE_PATH},
            scanner_suppressions=list(ROTATION_SUPPRESSIONS),
            statements=[
                Statement(
                    Sid="RotatedSecrets",
                    Effect=Allow,
                    Action=[
                        secretsmanager.DescribeSecret,
                        secretsmanager.GetSecretValue,
                        secretsmanager.PutSecretValue,
                        secretsmanager.UpdateSecretVersionStage,
                    ],
                    Resource=secrets,
                ),
                Statement(
                    Sid="RandomPasswords",
                    Effect=Allow,
                    Action=[secretsmanager.GetRandomPassword],
                    Resource=["*"],  # GetRandomPassword has no resource type
                ),
                Statement(
                    Sid="EnvironmentKey",
                    Effect=Allow,
                    Action=[kms.Decrypt, kms.GenerateDataKey],
                    Resource=[placement.kms_key_arn],
                    Condition=Condition(
                        StringEquals(
                            "kms:ViaService", Sub("secretsmanager.${AWS::Region}.amazonaws.com")
                        )
                    ),
                ),
                *extra_statements,
            ],
        ),
        placement,
    )
    template.add_resource(
        Permission(
            "RotationInvokePermission",
            Action="lambda:InvokeFunction",
            FunctionName=GetAtt(function, "Arn"),
            Principal="secretsmanager.amazonaws.com",
            SourceAccount=Ref("AWS::AccountId"),
        )
    )
    return function


def add_rotation_schedules(
    template: Template,
    secrets: dict[str, AWSHelperFn],
    rotation_function_arn: AWSHelperFn,
    after: str,
) -> None:
    """One schedule `{name}Rotation` per secret of `secrets` ({name: ARN}), run by the users
    stack's rotation function (migrations stack). Schedules wait for `after` (the migration
    that creates the users) because AWS rotates at once."""
    for name, secret_arn in secrets.items():
        template.add_resource(
            RotationSchedule(
                f"{name}Rotation",
                SecretId=secret_arn,
                RotationLambdaARN=rotation_function_arn,
                RotationRules=RotationRules(AutomaticallyAfterDays=ROTATION_DAYS),
                DependsOn=[after],
            )
        )


def add_replica_key_parameter(template: Template) -> Ref:
    """`SecondaryKmsKeyArn`: the secondary region's environment key, under which the master
    secret's and the validator secret's replicas are encrypted."""
    return Ref(
        template.add_parameter(
            Parameter(
                "SecondaryKmsKeyArn",
                Type="String",
                AllowedPattern=KMS_KEY_ARN_PATTERN,
                Description="The key of the secrets' replicas (the secondary region's "
                "environment key): rotation writes versions that are replicated under it.",
                ConstraintDescription="must be the ARN of a KMS key",
            )
        )
    )


def replica_key_statement(replica_key: Ref) -> Statement:
    """The replicas' key, for the rotation role: Secrets Manager re-encrypts each new version
    for a replica with the replica's key, authorised by the identity that wrote the version
    (AWS: kms:GenerateDataKey and kms:Encrypt on that key), and only through Secrets Manager in
    the replica's region (the region is the key ARN's fourth field)."""
    replica_region = Select(3, Split(":", replica_key))
    return Statement(
        Sid="ReplicaKey",
        Effect=Allow,
        Action=[kms.Encrypt, kms.GenerateDataKey],
        Resource=[replica_key],
        Condition=Condition(
            StringEquals(
                "kms:ViaService",
                Sub("secretsmanager.${Region}.amazonaws.com", Region=replica_region),
            )
        ),
    )
