"""migrations stack: migrations/ applied to the environment's database by a custom resource.

`Custom::DatabaseMigration` runs the users stack's migrator inside the VPC against the writer,
so this stack waits for the database stack's instances (and nothing else does). The SQL bundle
is content-addressed in the migration bucket (its key set by a hook), so a change in
migrations/ is a change in this stack and nothing else is. The migrator also keeps the
least-privilege database users: itself, and the sync user (a reader in prod, a writer in
staging and dev) with access to the allow-listed tables only. Once the users exist, each user's
secret starts rotating (single-user strategy) through the users stack's rotation function; so
does the master secret where the cluster stack generated it (option `master_credentials:
generated`: prod's Aurora global database), since RDS rotates only the secrets it manages.
"""

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.cluster_facts import add_cluster_fact_parameters
from tapstack_blocks.custom_resources import DatabaseMigration
from tapstack_blocks.database_users import MasterCredentials, add_rotation_schedules
from tapstack_blocks.global_database import SECRETS_MANAGER_ARN_PATTERN
from tapstack_blocks.handler import render
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters, add_is_prod_condition
from troposphere import GetAtt, If, Parameter, Ref, Template

LAMBDA_ARN_PATTERN = r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+$"
USER_SECRETS = ("MigratorSecret", "SyncSecret", "ValidatorSecret")
# The tables the validator reads (lambda/validator, tapstack_validator.reference_data): its
# database user may SELECT these and nothing else.
VALIDATOR_TABLES = ("currencies", "fee_schedules", "merchant_categories")


class MigrationsOptions(BaseModel):
    """What the migrations template is told through sceptre_user_data."""

    model_config = ConfigDict(extra="forbid")

    # Who made the master secret (MasterSecretArn): `generated` (prod's global database) is
    # rotated by this project once the migration has run; `rds-managed` is RDS's to rotate.
    master_credentials: MasterCredentials = "rds-managed"


def build(options: MigrationsOptions) -> Template:
    """The migrations stack's template."""
    template = Template(Description="tapstack migrations: schema and database users")
    # Every stack of a group takes the group's EnvironmentSuffix (config/{env}/config.yaml);
    # this one names no resource, so W2001 (parameter not used) is expected here and only here.
    template.set_metadata({"cfn-lint": {"config": {"ignore_checks": ["W2001"]}}})
    add_environment_parameters(template)
    is_prod = add_is_prod_condition(template)
    facts = add_cluster_fact_parameters(
        template, "DatabaseEndpoint", "DatabasePort", "DatabaseName", "MasterSecretArn"
    )
    parameters = _add_parameters(template)
    secrets = {name: Ref(parameters[f"{name}Arn"]) for name in USER_SECRETS}
    migration = template.add_resource(
        DatabaseMigration(
            "DatabaseMigration",
            ServiceToken=Ref(parameters["MigratorFunctionArn"]),
            # Written once into the database's tapstack_environment marker (the sync's guard).
            EnvironmentName=Ref("EnvironmentName"),
            MigrationsBucket=Ref(parameters["MigrationBucketName"]),
            MigrationsKey=Ref(parameters["MigrationsKey"]),
            DatabaseEndpoint=Ref(facts["DatabaseEndpoint"]),
            DatabasePort=Ref(facts["DatabasePort"]),
            DatabaseName=Ref(facts["DatabaseName"]),
            MasterSecretArn=Ref(facts["MasterSecretArn"]),
            MigratorSecretArn=secrets["MigratorSecret"],
            SyncAccess=If(is_prod, "reader", "writer"),
            SyncSecretArn=secrets["SyncSecret"],
            SyncTables=Ref(parameters["SyncTables"]),
            ValidatorSecretArn=secrets["ValidatorSecret"],
            ValidatorTables=list(VALIDATOR_TABLES),
        )
    )
    rotated = dict(secrets)
    if options.master_credentials == "generated":
        rotated["MasterSecret"] = Ref(facts["MasterSecretArn"])
    add_rotation_schedules(
        template, rotated, Ref(parameters["RotationFunctionArn"]), after=migration.title
    )
    add_exported_output(
        template, "SchemaVersion", GetAtt(migration, "SchemaVersion"), "Applied schema version"
    )
    return template


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        Parameter(
            "MigrationBucketName",
            Type="String",
            AllowedPattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
            Description="The migration bucket (storage stack): SQL bundles.",
            ConstraintDescription="must be an S3 bucket name",
        ),
        Parameter(
            "MigrationsKey",
            Type="String",
            AllowedPattern=r"^migrations/[0-9a-f]{64}\.zip$",
            Description="S3 key of the migrations bundle (set by !upload_migrations).",
            ConstraintDescription="must be migrations/<sha256>.zip",
        ),
        *(
            Parameter(
                f"{name}Arn",
                Type="String",
                AllowedPattern=SECRETS_MANAGER_ARN_PATTERN,
                Description=f"The {name[: -len('Secret')].lower()} user's secret (users stack).",
                ConstraintDescription="must be a Secrets Manager secret ARN",
            )
            for name in USER_SECRETS
        ),
        *(
            Parameter(
                f"{name}FunctionArn",
                Type="String",
                AllowedPattern=LAMBDA_ARN_PATTERN,
                Description=f"The {name.lower()} function (users stack).",
                ConstraintDescription="must be a Lambda function ARN",
            )
            for name in ("Migrator", "Rotation")
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
