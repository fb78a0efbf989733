"""users stack: the database users' secrets, and the functions that create and rotate them.

Three least-privilege users (the migrator itself; the sync user, a reader in prod and a writer
in staging and dev; the validator) each have a generated secret under the environment key, in
the RDS shape (where to connect travels with the credentials). lambda/migrator (run by the
migrations stack's `Custom::DatabaseMigration`) and lambda/rotation (run by Secrets Manager) are
created here, inside the VPC. None of it needs a running instance, only the cluster's facts, so
the stack is created beside the instances; what needs the writer (the migration, the first
rotation) is the migrations stack's. Where the cluster stack generated the master secret (option
`master_credentials: generated`: prod's Aurora global database), RDS does not rotate it, so this
stack's rotation function may rotate it too.
"""

from awacs import kms, s3, secretsmanager
from awacs.aws import Allow, Statement
from pydantic import BaseModel, ConfigDict
from tapstack_blocks.cluster_facts import add_cluster_fact_parameters
from tapstack_blocks.database_users import (
    MasterCredentials,
    add_replica_key_parameter,
    add_rotation_function,
    replica_key_statement,
    user_secret,
)
from tapstack_blocks.functions import FunctionSpec, VpcPlacement, add_vpc_function, kms_statement
from tapstack_blocks.handler import render
from tapstack_blocks.images import image_uri_parameter
from tapstack_blocks.naming import bucket_objects_arn
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    add_environment_parameters,
    add_is_prod_condition,
    add_kms_key_arn_parameter,
    lambda_security_group_parameter,
    private_subnet_ids_parameter,
)
from tapstack_blocks.retention import log_retention_days
from troposphere import GetAtt, If, Parameter, Ref, Template
from troposphere.awslambda import Function

MIGRATOR_TIMEOUT_SECONDS = 300
# The RDS CA bundle in the migrator package, relative to the package root (Lambda runs in
# /var/task, its package root). TLS to Aurora is required.
CA_BUNDLE_PATH = "tapstack_db/rds-ca-bundle.pem"  # lambda/tapstack_db, in every database image


class UsersOptions(BaseModel):
    """What the users template is told through sceptre_user_data."""

    model_config = ConfigDict(extra="forbid")

    # Who made the master secret (MasterSecretArn). `rds-managed` (ManageMasterUserPassword):
    # RDS rotates it and refuses any other rotation. `generated` (the cluster stack's
    # GlobalMasterSecret, global_database: primary): nothing rotates it unless this stack's
    # function does.
    master_credentials: MasterCredentials = "rds-managed"


def build(options: UsersOptions) -> Template:
    """The users stack's template."""
    template = Template(Description="tapstack users: database users' secrets, migrator, rotation")
    add_environment_parameters(template)
    is_prod = add_is_prod_condition(template)
    placement = VpcPlacement(
        subnet_ids=Ref(template.add_parameter(private_subnet_ids_parameter())),
        security_group_id=Ref(template.add_parameter(lambda_security_group_parameter())),
        kms_key_arn=Ref(add_kms_key_arn_parameter(template)),
        log_retention_days=log_retention_days(template),
    )
    parameters = _add_parameters(template)
    facts = add_cluster_fact_parameters(
        template, "DatabaseEndpoint", "DatabasePort", "DatabaseName", "MasterSecretArn"
    )
    # Prod's user secrets are read in both regions (the validator runs in each): replicated
    # under the secondary region's key, like the master secret.
    generated = options.master_credentials == "generated"
    replica_key = add_replica_key_parameter(template) if generated else None
    secrets = _add_user_secrets(template, is_prod, placement.kms_key_arn, replica_key)
    master_secret = Ref(facts["MasterSecretArn"])
    migrator = _add_migrator(template, parameters, [master_secret, *secrets.values()], placement)
    rotated = list(secrets.values())
    replica_statements = []
    if replica_key is not None:
        # Single user as well: the master user changes its own password. The secret carries
        # host, port and engine from the cluster stack's SecretTargetAttachment.
        rotated.append(master_secret)
        replica_statements.append(replica_key_statement(replica_key))
    rotation = add_rotation_function(
        template, Ref(parameters["RotationImageUri"]), rotated, replica_statements, placement
    )
    add_exported_output(template, "MigratorSecretArn", secrets["MigratorSecret"], "Migrator secret")
    add_exported_output(template, "SyncSecretArn", secrets["SyncSecret"], "Sync user secret")
    add_exported_output(
        template, "ValidatorSecretArn", secrets["ValidatorSecret"], "Validator user secret"
    )
    add_exported_output(
        template,
        "MigratorFunctionArn",
        GetAtt(migrator, "Arn"),
        "The migrator (Custom::DatabaseMigration's service token)",
    )
    add_exported_output(
        template,
        "RotationFunctionArn",
        GetAtt(rotation, "Arn"),
        "The rotation function of the database users' (and a generated master) secrets",
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
    # The storage stack's migration bucket, by the naming convention: no wait for that stack.
    bundles = bucket_objects_arn("migrations", "migrations/")
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


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        image_uri_parameter("MigratorImageUri", "migrator"),
        image_uri_parameter("RotationImageUri", "rotation"),
    ]
    return {spec.title: template.add_parameter(spec) for spec in specs}


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("users", UsersOptions, build, sceptre_user_data)
