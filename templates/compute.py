"""compute stack: the validator Lambda (container image pinned by digest) and its sessions table.

The function runs in the private subnets, reads the database's connection facts (the stable
writer name among them) from SSM and its own database user's secret at run time (so compute
never depends on database outputs): `tapstack/{env}/{suffix}/db/validator`, which the
users stack creates and the migration grants (SELECT on the reference tables only; in prod
replicated to the secondary region under the same name), never the master secret. It records
session state in a DynamoDB table (on demand, point-in-time recovery, the environment key, a TTL
attribute).
Asynchronous invocations that fail land in an encrypted dead-letter queue. The image comes from
the registry stack's repository (`!ecr_image_digest`, pushed by the `push_lambda_image` hook).
"""

from awacs import dynamodb, kms, secretsmanager, sqs, ssm
from awacs.aws import Allow, Statement
from pydantic import BaseModel, ConfigDict
from tapstack_blocks.functions import FunctionSpec, VpcPlacement, add_vpc_function, kms_statement
from tapstack_blocks.handler import render
from tapstack_blocks.images import image_uri_parameter
from tapstack_blocks.naming import (
    database_parameter_arn,
    database_parameters_path,
    database_secret_arn,
    database_secret_name,
    resource_name,
)
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    add_environment_parameters,
    add_kms_key_arn_parameter,
    lambda_security_group_parameter,
    private_subnet_ids_parameter,
)
from tapstack_blocks.protection import ProtectData
from tapstack_blocks.retention import log_retention_days
from tapstack_blocks.tags import name_tags
from troposphere import GetAtt, Parameter, Ref, Template
from troposphere.dynamodb import (
    AttributeDefinition,
    KeySchema,
    PointInTimeRecoverySpecification,
    SSESpecification,
    Table,
    TimeToLiveSpecification,
)
from troposphere.sqs import Queue

SESSION_KEY = "session_id"
SESSION_TTL_ATTRIBUTE = "expires_at"  # lambda/validator sets it (tapstack_validator.sessions)
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 60 * 60  # the most SQS keeps
# What the validator reads under /tapstack/{env}/db: the stable writer name (database stack, or
# the baseline StackSet where the environment has failover records) and the connection facts.
CONNECTION_PARAMETERS = ("writer-dns", "port", "name")
VALIDATOR_TIMEOUT_SECONDS = 15
VALIDATOR_MEMORY_MB = 512


class ComputeOptions(BaseModel):
    """The compute template takes no sceptre_user_data; anything given is an error."""

    model_config = ConfigDict(extra="forbid")

    protect_data: ProtectData = False  # DeletionProtection on the table


def build(options: ComputeOptions) -> Template:
    """The compute stack's template."""
    template = Template(Description="tapstack compute: the validator Lambda and sessions table")
    add_environment_parameters(template)
    log_days = log_retention_days(template)
    kms_key_arn = Ref(add_kms_key_arn_parameter(template))
    parameters = _add_parameters(template)
    table = template.add_resource(_sessions_table(kms_key_arn, options.protect_data))
    dead_letters = template.add_resource(
        Queue(
            "ValidatorDeadLetterQueue",
            QueueName=resource_name("validator-dlq"),
            KmsMasterKeyId=kms_key_arn,
            MessageRetentionPeriod=DEAD_LETTER_RETENTION_SECONDS,
            Tags=name_tags(resource_name("validator-dlq")),
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
    )
    function = add_vpc_function(
        template,
        FunctionSpec(
            logical_id="ValidatorFunction",
            name="validator",
            description="Validates transactions against the reference data; sessions in DynamoDB",
            image_uri=Ref(parameters["ValidatorImageUri"]),
            dead_letter_arn=GetAtt(dead_letters, "Arn"),
            timeout_seconds=VALIDATOR_TIMEOUT_SECONDS,
            memory_mb=VALIDATOR_MEMORY_MB,
            reserved_concurrency=Ref(parameters["ValidatorReservedConcurrency"]),
            environment={
                "DATABASE_PARAMETERS_PATH": database_parameters_path(),
                # A name, not a secret: a replica keeps it in the secondary region.
                "DATABASE_SECRET_ID": database_secret_name("validator"),
                "SESSIONS_TABLE": Ref(table),
            },
            statements=_validator_statements(table, dead_letters, kms_key_arn),
            scanner_suppressions=[],  # it has a dead-letter queue, unlike custom resources
        ),
        VpcPlacement(
            subnet_ids=Ref(parameters["PrivateSubnetIds"]),
            security_group_id=Ref(parameters["LambdaSecurityGroupId"]),
            kms_key_arn=kms_key_arn,
            log_retention_days=log_days,
        ),
    )
    add_exported_output(template, "ValidatorFunctionName", Ref(function), "Validator function")
    add_exported_output(template, "ValidatorFunctionArn", GetAtt(function, "Arn"), "Its ARN")
    add_exported_output(
        template,
        "ValidatorImageUri",
        Ref(parameters["ValidatorImageUri"]),
        "The image the validator runs, pinned by digest",
    )
    add_exported_output(
        template, "ValidatorDeadLetterQueueArn", GetAtt(dead_letters, "Arn"), "Its DLQ"
    )
    add_exported_output(template, "SessionsTableName", Ref(table), "The sessions table")
    add_exported_output(template, "SessionsTableArn", GetAtt(table, "Arn"), "Its ARN")
    return template


def _sessions_table(kms_key_arn: Ref, protect_data: bool) -> Table:
    return Table(
        "SessionsTable",
        TableName=resource_name("sessions"),
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[KeySchema(AttributeName=SESSION_KEY, KeyType="HASH")],
        AttributeDefinitions=[AttributeDefinition(AttributeName=SESSION_KEY, AttributeType="S")],
        DeletionProtectionEnabled=protect_data,
        PointInTimeRecoverySpecification=PointInTimeRecoverySpecification(
            PointInTimeRecoveryEnabled=True
        ),
        SSESpecification=SSESpecification(
            SSEEnabled=True, SSEType="KMS", KMSMasterKeyId=kms_key_arn
        ),
        TimeToLiveSpecification=TimeToLiveSpecification(
            AttributeName=SESSION_TTL_ATTRIBUTE, Enabled=True
        ),
        Tags=name_tags(resource_name("sessions")),
        # Sessions expire within a day; nothing in them outlives the stack.
        DeletionPolicy="Delete",
        UpdateReplacePolicy="Delete",
    )


def _validator_statements(table: Table, dead_letters: Queue, kms_key_arn: Ref) -> list:
    """Read its connection parameters and its own user's secret, write its table and DLQ."""
    return [
        Statement(
            Sid="ConnectionParameters",
            Effect=Allow,
            # GetParameters on exactly the names it reads (tapstack_validator.database.LEAVES)
            Action=[ssm.GetParameters],
            Resource=[database_parameter_arn(leaf) for leaf in CONNECTION_PARAMETERS],
        ),
        Statement(
            Sid="DatabaseSecret",
            Effect=Allow,
            Action=[secretsmanager.GetSecretValue],
            # Its own user's secret (or that secret's replica in this region): never the master.
            Resource=[database_secret_arn("validator")],
        ),
        Statement(
            Sid="SessionState",
            Effect=Allow,
            Action=[dynamodb.UpdateItem],
            Resource=[GetAtt(table, "Arn")],
        ),
        Statement(
            Sid="DeadLetters",
            Effect=Allow,
            Action=[sqs.SendMessage],
            Resource=[GetAtt(dead_letters, "Arn")],
        ),
        kms_statement(kms_key_arn, [kms.Decrypt, kms.GenerateDataKey]),
    ]


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        private_subnet_ids_parameter(),
        lambda_security_group_parameter(),
        image_uri_parameter("ValidatorImageUri", "validator"),
        Parameter(
            "ValidatorReservedConcurrency",
            Type="Number",
            Default=10,
            MinValue=1,
            MaxValue=1000,
            Description="Concurrent executions reserved for (and capping) the validator.",
            ConstraintDescription="must be 1 to 1000",
        ),
    ]
    return {spec.title: template.add_parameter(spec) for spec in specs}


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("compute", ComputeOptions, build, sceptre_user_data)
