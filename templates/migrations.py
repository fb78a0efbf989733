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
from awacs.aws import Allow, Statement
from pydantic import BaseModel, ConfigDict
from tapstack_blocks.custom_resources import DatabaseMigration
from tapstack_blocks.database_users import (
    add_replica_key_parameter,
    add_secret_rotation,
    replica_key_statement,
    user_secret,
)
from tapstack_blocks.functions import FunctionSpec, VpcPlacement, add_vpc_function, kms_statement
from tapstack_blocks.handler import render
from tapstack_blocks.images import image_uri_parameter
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    add_environment_parameters,
    add_is_prod_condition,
    add_kms_key_arn_parameter,
    lambda_security_group_parameter,
    private_subnet_ids_parameter,
)
from tapstack_blocks.retention import log_retention_days
from troposphere import GetAtt, If, Parameter, Ref, Sub, Template
from troposphere.awslambda import Function

MIGRATOR_TIMEOUT_SECONDS = 300
# The RDS CA bundle in the migrator package, relative to the package root (Lambda runs in
# /var/task, its package root). TLS to Aurora is required.
CA_BUNDLE_PATH = "tapstack_db/rds-ca-bundle.pem"  # lambda/tapstack_db, in every database image

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
    placement = VpcPlacement(
        subnet_ids=Ref(template.add_parameter(private_subnet_ids_parameter())),
        security_group_id=Ref(template.add_parameter(lambda_security_group_parameter())),
        kms_key_arn=Ref(add_kms_key_arn_parameter(template)),
        log_retention_days=log_retention_days(template),
    )
    parameters = _add_parameters(template)
    # Prod's user secrets are read in both regions (the validator runs in each): replicated
    # under the secondary region's key, like the master secret.
    generated = options.master_credentials == "generated"
    replica_key = add_replica_key_parameter(template) if generated else None
    secrets = _add_user_secrets(template, is_prod, placement.kms_key_arn, replica_key)
    master_secret = Ref(parameters["MasterSecretArn"])
    function = _add_migrator(template, parameters, [master_secret, *secrets.values()], placement)
    migration = _add_migration(template, function, parameters, secrets, is_prod)
    rotated = dict(secrets)
    replica_statements = []
    if replica_key is not None:
        # Single user as well: the master user changes its own password. The secret carries
        # host, port and engine from the database stack's SecretTargetAttachment.
        rotated["MasterSecret"] = master_secret
        replica_statements.append(replica_key_statement(replica_key))
    add_secret_rotation(
        template, parameters, rotated, replica_statements, placement, after=migration.title
    )
    add_exported_output(
        template, "SchemaVersion", GetAtt(migration, "SchemaVersion"), "Applied schema version"
    )
    add_exported_output(template, "MigratorSecretArn", secrets["MigratorSecret"], "Migrator secret")
    add_exported_output(template, "SyncSecretArn", secrets["SyncSecret"], "Sync user secret")
    add_exported_output(
        template, "ValidatorSecretArn", secrets["ValidatorSecret"], "Validator user secret"
    )
    return template


def _add_user_secrets(
    template: Template, is_prod: str, kms_key_arn: Ref, replica_key: Ref | None
) -> dict[str, Ref]:
    """{logical id: Ref} of the migrator's, the sync's and the validator's secrets."""
    sync_user = If(is_prod, "tapstack_sync_reader", "tapstack_sync_writer")
    secrets = [
        user_secret("MigratorSecret", "migrator", "tapstack_migrator", kms_key_arn),
        user_secret("SyncSecret", "sync", sync_user, kms_key_arn),
        user_secret("ValidatorSecret", "validator", "tapstack_validator", kms_key_arn, replica_key),
    ]
    return {secret.title: Ref(template.add_resource(secret)) for secret in secrets}


def _add_migrator(
    template: Template, parameters: dict[str, Parameter], secrets: list[Ref], placement
) -> Function:
    """The migrator function: it reads the bundles and the users' secrets, nothing else."""
    bundles = Sub(
        "arn:${AWS::Partition}:s3:::${Bucket}/migrations/*",
        Bucket=Ref(parameters["MigrationBucketName"]),
    )
    return add_vpc_function(
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
                    Sid="MigrationBundles", Effect=Allow, Action=[s3.GetObject], Resource=[bundles]
                ),
                Statement(
                    Sid="DatabaseSecrets",
                    Effect=Allow,
                    Action=[secretsmanager.GetSecretValue],
                    Resource=secrets,
                ),
                kms_statement(placement.kms_key_arn, [kms.Decrypt]),
            ],
        ),
        placement,
    )


def _add_migration(template, function, parameters, secrets, is_prod: str) -> DatabaseMigration:
    """The `Custom::DatabaseMigration` that applies migrations/ and keeps the users."""
    return template.add_resource(
        DatabaseMigration(
            "DatabaseMigration",
            ServiceToken=GetAtt(function, "Arn"),
            # Written once into the database's tapstack_environment marker (the sync's guard).
            EnvironmentName=Ref("EnvironmentName"),
            MigrationsBucket=Ref(parameters["MigrationBucketName"]),
            MigrationsKey=Ref(parameters["MigrationsKey"]),
            DatabaseEndpoint=Ref(parameters["DatabaseEndpoint"]),
            DatabasePort=Ref(parameters["DatabasePort"]),
            DatabaseName=Ref(parameters["DatabaseName"]),
            MasterSecretArn=Ref(parameters["MasterSecretArn"]),
            MigratorSecretArn=secrets["MigratorSecret"],
            SyncAccess=If(is_prod, "reader", "writer"),
            SyncSecretArn=secrets["SyncSecret"],
            SyncTables=Ref(parameters["SyncTables"]),
            ValidatorSecretArn=secrets["ValidatorSecret"],
            ValidatorTables=list(VALIDATOR_TABLES),
        )
    )


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
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
