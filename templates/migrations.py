"""migrations stack: migrations/ applied to the environment's database by a custom resource.

`Custom::DatabaseMigration` runs lambda/migrator inside the VPC. The SQL bundle and the
migrator's code are content-addressed in the migration bucket (both keys set by hooks), so a
change in migrations/ or in the migrator is a change in this stack and nothing else is. The
migrator also keeps the least-privilege database users: itself, and the sync user (a reader in
prod, a writer in staging and dev) with access to the allow-listed tables only. Each user's
secret rotates (single-user strategy) through lambda/rotation, also in the VPC; so does the
master secret where the database stack generated it (option `master_credentials: generated`:
prod's Aurora global database), since RDS rotates only the secrets it manages itself.
"""

from typing import Literal

from awacs import kms, s3, secretsmanager
from awacs.aws import Allow, Condition, Statement, StringEquals
from pydantic import BaseModel, ConfigDict
from tapstack_blocks.custom_resources import DatabaseMigration
from tapstack_blocks.functions import FunctionSpec, VpcPlacement, add_vpc_function, kms_statement
from tapstack_blocks.handler import render
from tapstack_blocks.images import image_uri_parameter
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    KMS_KEY_ARN_PATTERN,
    add_environment_parameters,
    add_is_prod_condition,
    add_kms_key_arn_parameter,
    lambda_security_group_parameter,
    private_subnet_ids_parameter,
)
from tapstack_blocks.tags import name_tags
from troposphere import AWSHelperFn, GetAtt, If, Parameter, Ref, Select, Split, Sub, Template
from troposphere.awslambda import Permission
from troposphere.secretsmanager import (
    GenerateSecretString,
    ReplicaRegion,
    RotationRules,
    RotationSchedule,
    Secret,
)

MIGRATOR_TIMEOUT_SECONDS = 300
# Characters MySQL client tools and DSNs mishandle in passwords.
DSN_UNSAFE_CHARACTERS = "\"'@/\\:;%`$&?#"
PASSWORD_LENGTH = 32
# The RDS CA bundle in the migrator package, relative to the package root (Lambda runs in
# /var/task, its package root). TLS to Aurora is required.
CA_BUNDLE_PATH = "tapstack_db/rds-ca-bundle.pem"  # lambda/tapstack_db, in every database image
ROTATION_CA_BUNDLE_PATH = CA_BUNDLE_PATH
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


MasterCredentials = Literal["rds-managed", "generated"]
# The tables the validator reads (lambda/validator, tapstack_validator.reference_data): its
# database user may SELECT these and nothing else.
VALIDATOR_TABLES = ("currencies", "fee_schedules", "merchant_categories")


class MigrationsOptions(BaseModel):
    """What the migrations template is told through sceptre_user_data."""

    model_config = ConfigDict(extra="forbid")

    # Who made the master secret (MasterSecretArn). `rds-managed` (ManageMasterUserPassword):
    # RDS rotates it and refuses any other rotation. `generated` (the database stack's
    # GlobalMasterSecret, global_database: primary): nothing rotates it unless this stack does.
    master_credentials: MasterCredentials = "rds-managed"


def build(options: MigrationsOptions) -> Template:
    """The migrations stack's template."""
    template = Template(Description="tapstack migrations: schema and database users")
    add_environment_parameters(template)
    is_prod = add_is_prod_condition(template)
    kms_key_arn = Ref(add_kms_key_arn_parameter(template))
    parameters = _add_parameters(template)
    migrator_secret = template.add_resource(
        _user_secret("MigratorSecret", "migrator", "tapstack_migrator", kms_key_arn)
    )
    sync_secret = template.add_resource(
        _user_secret(
            "SyncSecret",
            "sync",
            If(is_prod, "tapstack_sync_reader", "tapstack_sync_writer"),
            kms_key_arn,
        )
    )
    # Prod's user secrets are read in both regions (the validator runs in each): replicated
    # under the secondary region's key, like the master secret.
    replica_key = _add_replica_key(template) if options.master_credentials == "generated" else None
    validator_secret = template.add_resource(
        _user_secret("ValidatorSecret", "validator", "tapstack_validator", kms_key_arn, replica_key)
    )
    secrets = [
        Ref(parameters["MasterSecretArn"]),
        Ref(migrator_secret),
        Ref(sync_secret),
        Ref(validator_secret),
    ]
    bucket = Ref(parameters["MigrationBucketName"])
    function = add_vpc_function(
        template,
        FunctionSpec(
            logical_id="MigratorFunction",
            name="migrator",
            description="Custom::DatabaseMigration: applies migrations/ and keeps DB users",
            handler="tapstack_migrator.handler.handler",
            image_uri=Ref(parameters["MigratorImageUri"]),
            timeout_seconds=MIGRATOR_TIMEOUT_SECONDS,
            environment={"DATABASE_CA_BUNDLE": CA_BUNDLE_PATH},
            statements=[
                Statement(
                    Sid="MigrationBundles",
                    Effect=Allow,
                    Action=[s3.GetObject],
                    Resource=[
                        Sub("arn:${AWS::Partition}:s3:::${Bucket}/migrations/*", Bucket=bucket)
                    ],
                ),
                Statement(
                    Sid="DatabaseSecrets",
                    Effect=Allow,
                    Action=[secretsmanager.GetSecretValue],
                    Resource=secrets,
                ),
                kms_statement(kms_key_arn, [kms.Decrypt]),
            ],
        ),
        VpcPlacement(
            subnet_ids=Ref(parameters["PrivateSubnetIds"]),
            security_group_id=Ref(parameters["LambdaSecurityGroupId"]),
            kms_key_arn=kms_key_arn,
            is_prod=is_prod,
        ),
    )
    migration = template.add_resource(
        DatabaseMigration(
            "DatabaseMigration",
            ServiceToken=GetAtt(function, "Arn"),
            # Written once into the database's tapstack_environment marker (the sync's guard).
            EnvironmentName=Ref("EnvironmentName"),
            MigrationsBucket=bucket,
            MigrationsKey=Ref(parameters["MigrationsKey"]),
            DatabaseEndpoint=Ref(parameters["DatabaseEndpoint"]),
            DatabasePort=Ref(parameters["DatabasePort"]),
            DatabaseName=Ref(parameters["DatabaseName"]),
            MasterSecretArn=Ref(parameters["MasterSecretArn"]),
            MigratorSecretArn=Ref(migrator_secret),
            SyncAccess=If(is_prod, "reader", "writer"),
            SyncSecretArn=Ref(sync_secret),
            SyncTables=Ref(parameters["SyncTables"]),
            ValidatorSecretArn=Ref(validator_secret),
            ValidatorTables=list(VALIDATOR_TABLES),
        )
    )
    rotated = {
        "MigratorSecret": Ref(migrator_secret),
        "SyncSecret": Ref(sync_secret),
        "ValidatorSecret": Ref(validator_secret),
    }
    replica_statements = []
    if replica_key is not None:
        # Single user as well: the master user changes its own password. The secret carries
        # host, port and engine from the database stack's SecretTargetAttachment.
        rotated["MasterSecret"] = Ref(parameters["MasterSecretArn"])
        replica_statements.append(_replica_key_statement(replica_key))
    _add_rotation(
        template,
        parameters,
        rotated,
        replica_statements,
        VpcPlacement(
            subnet_ids=Ref(parameters["PrivateSubnetIds"]),
            security_group_id=Ref(parameters["LambdaSecurityGroupId"]),
            kms_key_arn=kms_key_arn,
            is_prod=is_prod,
        ),
        after=migration.title,
    )
    add_exported_output(
        template, "SchemaVersion", GetAtt(migration, "SchemaVersion"), "Applied schema version"
    )
    add_exported_output(template, "MigratorSecretArn", Ref(migrator_secret), "Migrator secret")
    add_exported_output(template, "SyncSecretArn", Ref(sync_secret), "Sync user secret")
    add_exported_output(
        template, "ValidatorSecretArn", Ref(validator_secret), "Validator user secret"
    )
    return template


def _user_secret(
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
        Name=Sub(f"tapstack/${{EnvironmentName}}/${{EnvironmentSuffix}}/db/{role}"),
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
        Tags=name_tags(Sub(f"tapstack-db-{role}-${{EnvironmentName}}-${{EnvironmentSuffix}}")),
        DeletionPolicy="Delete",
        UpdateReplacePolicy="Delete",
    )


def _add_rotation(
    template: Template,
    parameters: dict[str, Parameter],
    secrets: dict[str, AWSHelperFn],
    extra_statements: list[Statement],
    placement: VpcPlacement,
    after: str,
) -> None:
    """The rotation function, Secrets Manager's permission to run it, and one schedule
    `{name}Rotation` per secret of `secrets` ({name: ARN}); its role may touch exactly those
    secrets (plus `extra_statements`). Schedules wait for `after` (the users exist) because AWS
    rotates at once."""
    secret_refs = list(secrets.values())
    function = add_vpc_function(
        template,
        FunctionSpec(
            logical_id="RotationFunction",
            name="db-rotation",
            description="Rotates the database users' secrets (single user: own password)",
            handler="tapstack_rotation.handler.handler",
            image_uri=Ref(parameters["RotationImageUri"]),
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
                    Resource=secret_refs,
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
    permission = template.add_resource(
        Permission(
            "RotationInvokePermission",
            Action="lambda:InvokeFunction",
            FunctionName=GetAtt(function, "Arn"),
            Principal="secretsmanager.amazonaws.com",
            SourceAccount=Ref("AWS::AccountId"),
        )
    )
    for name, secret_arn in secrets.items():
        template.add_resource(
            RotationSchedule(
                f"{name}Rotation",
                SecretId=secret_arn,
                RotationLambdaARN=GetAtt(function, "Arn"),
                RotationRules=RotationRules(AutomaticallyAfterDays=ROTATION_DAYS),
                DependsOn=[permission.title, after],
            )
        )


def _add_replica_key(template: Template) -> Ref:
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


def _replica_key_statement(replica_key: Ref) -> Statement:
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


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        private_subnet_ids_parameter(),
        lambda_security_group_parameter(),
        Parameter(
            "MigrationBucketName",
            Type="String",
            AllowedPattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
            Description="The migration bucket (storage stack): SQL bundles and code.",
            ConstraintDescription="must be an S3 bucket name",
        ),
        Parameter(
            "MigrationsKey",
            Type="String",
            AllowedPattern=r"^migrations/[0-9a-f]{64}\.zip$",
            Description="S3 key of the migrations bundle (set by !upload_migrations).",
            ConstraintDescription="must be migrations/<sha256>.zip",
        ),
        image_uri_parameter("MigratorImageUri", "migrator"),
        image_uri_parameter("RotationImageUri", "rotation"),
        Parameter(
            "DatabaseEndpoint",
            Type="String",
            AllowedPattern=r"^[A-Za-z0-9.-]+$",
            Description="Writer endpoint of the cluster (database stack).",
            ConstraintDescription="must be a host name",
        ),
        Parameter(
            "DatabasePort",
            Type="Number",
            MinValue=1,
            MaxValue=65535,
            Description="MySQL port of the cluster (database stack).",
            ConstraintDescription="must be a TCP port",
        ),
        Parameter(
            "DatabaseName",
            Type="String",
            AllowedPattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
            Description="Schema the migrations apply to (database stack).",
            ConstraintDescription="must be a MySQL schema name",
        ),
        Parameter(
            "MasterSecretArn",
            Type="String",
            AllowedPattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$",
            Description="The master secret (database stack): RDS-managed, or generated for "
            "an Aurora global database.",
            ConstraintDescription="must be a Secrets Manager secret ARN",
        ),
        Parameter(
            "SyncTables",
            Type="String",
            AllowedPattern=r"^[a-z][a-z0-9_]*(,[a-z][a-z0-9_]*)*$",
            Description="The sync allowlist from config/: reference tables only.",
            ConstraintDescription="must be comma-separated table names",
        ),
    ]
    return {spec.title: template.add_parameter(spec) for spec in specs}


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("migrations", MigrationsOptions, build, sceptre_user_data)
