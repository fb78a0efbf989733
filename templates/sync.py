"""sync stack (prod only): the reference-data sync Lambda, its workflow, schedule and failure topic.

- The sync Lambda (lambda/sync) runs in prod's private subnets as the iam stack's
  `tapstack-sync-prod` role (the only role the targets' `tapstack-sync-target-{env}` roles
  trust); what only this function needs (its log group, VPC interfaces, the key for its
  environment variables) is attached to that role here. It ships as a container image pinned
  by digest: its MySQL driver (mysqlclient) needs the MariaDB client library, which no wheel
  carries.
- A Step Functions workflow (tapstack_blocks.sync_workflow): per target, check schemas, sync
  each allow-listed table with retries, verify, publish any failure to the failure topic.
- An EventBridge schedule starts it (rate a parameter; Condition EnableSchedule removes it).
- The allowlist is the SyncTables parameter, from `sync_allowlist` in config/config.yaml.
"""

import json

from awacs import kms
from pydantic import BaseModel, ConfigDict
from tapstack_blocks.functions import FunctionSpec, VpcPlacement, add_vpc_function, kms_statement
from tapstack_blocks.handler import render
from tapstack_blocks.images import image_uri_parameter
from tapstack_blocks.naming import database_secret_name_in
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    ENVIRONMENTS,
    VPC_CIDR_PATTERN,
    add_environment_parameters,
    add_kms_key_arn_parameter,
    private_subnet_ids_parameter,
)
from tapstack_blocks.retention import log_retention_days
from tapstack_blocks.sync_state_machine import add_sync_schedule, add_sync_workflow
from tapstack_blocks.topics import add_encrypted_topic, add_tls_only_publishing_policy
from troposphere import Equals, Join, Parameter, Ref, Sub, Template

SYNC_HANDLER = "tapstack_sync.handler.lambda_handler"  # also the image's CMD (lambda/sync)
SYNC_TARGETS = tuple(env for env in ENVIRONMENTS if env != "prod")
ENABLE_SCHEDULE = "EnableSchedule"
TARGET_DATABASE_NAME = "tapstack"  # the schema every environment's cluster stack creates
HOST_PATTERN = r"^[A-Za-z0-9.-]{1,253}$"
SYNC_TIMEOUT_SECONDS = 300  # the 5-minute Lambda budget of the sync engine (docs/sync.md)
TABLE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
RATE_PATTERN = r"^rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)$"
ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_-]{1,64}$"
SECRET_ARN_PATTERN = r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$"  # noqa: S105 - a pattern, not a secret
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9+=,.@:/_-]{16,1224}$"


class SyncOptions(BaseModel):
    """The sync template takes no sceptre_user_data; anything given is an error."""

    model_config = ConfigDict(extra="forbid")


def build(_options: SyncOptions) -> Template:
    """The sync stack's template."""
    template = Template(Description="tapstack sync: reference data from prod to staging and dev")
    add_environment_parameters(template)
    log_days = log_retention_days(template)
    kms_key_arn = Ref(add_kms_key_arn_parameter(template))
    parameters = _add_parameters(template)
    template.add_condition(ENABLE_SCHEDULE, Equals(Ref(parameters["SyncScheduleEnabled"]), "true"))
    topic = add_encrypted_topic(template, "FailureTopic", "sync-failures", kms_key_arn)
    add_tls_only_publishing_policy(template, topic)
    function = add_vpc_function(
        template,
        FunctionSpec(
            logical_id="SyncFunction",
            name="sync",
            description="Reference-data sync: makes allow-listed tables of a target equal prod's",
            image_uri=Ref(parameters["SyncImageUri"]),
            handler=SYNC_HANDLER,
            role_arn=Ref(parameters["SyncRoleArn"]),
            timeout_seconds=SYNC_TIMEOUT_SECONDS,
            memory_mb=1024,
            reserved_concurrency=1,  # one sync at a time: runs never interleave on a target
            environment=_function_environment(parameters),
            statements=[kms_statement(kms_key_arn, [kms.Decrypt])],  # its environment variables
            scanner_suppressions=[
                {
                    "id": "CKV_AWS_116",
                    "comment": "Invoked synchronously by the Step Functions workflow, which "
                    "retries and publishes every failure to the failure topic; a dead-letter "
                    "queue would hold nothing anyone acts on.",
                }
            ],
        ),
        VpcPlacement(
            subnet_ids=Ref(parameters["PrivateSubnetIds"]),
            security_group_id=Ref(parameters["SyncSecurityGroupId"]),
            kms_key_arn=kms_key_arn,
            log_retention_days=log_days,
        ),
    )
    state_machine = add_sync_workflow(template, function, topic, kms_key_arn, log_days)
    add_sync_schedule(
        template,
        state_machine,
        Ref(parameters["SyncSchedule"]),
        Sub(
            json.dumps({"targets": list(SYNC_TARGETS), "tables": "${Tables}"}),
            Tables=Join(",", Ref(parameters["SyncTables"])),
        ),
        condition=ENABLE_SCHEDULE,
    )
    add_exported_output(template, "SyncFunctionName", Ref(function), "The sync Lambda")
    add_exported_output(template, "SyncStateMachineArn", Ref(state_machine), "Sync workflow")
    add_exported_output(template, "SyncFailureTopicArn", Ref(topic), "Sync failure topic")
    return template


def _function_environment(parameters: dict[str, Parameter]) -> dict:
    target_secrets = {env: database_secret_name_in(env, "sync") for env in SYNC_TARGETS}
    target_roles = {env: f"${{{_role_parameter(env)}}}" for env in SYNC_TARGETS}
    # Where each target's database is comes from prod's deploy (the target's published stack
    # outputs), never from the target's secret, which staging/dev administer; the handler refuses
    # an endpoint that does not resolve inside the target's VPC (docs/security.md).
    target_endpoints = {
        env: {
            "host": f"${{{_endpoint_parameter(env)}}}",
            "port": f"${{{_port_parameter(env)}}}",
            "database": TARGET_DATABASE_NAME,
            "vpc_cidr": f"${{{_vpc_cidr_parameter(env)}}}",
        }
        for env in SYNC_TARGETS
    }
    return {
        "SYNC_SOURCE_SECRET": Ref(parameters["SourceSecretArn"]),
        "SYNC_SOURCE_HOST": Ref(parameters["SourceReaderEndpoint"]),
        "SYNC_TARGET_ENDPOINTS": Sub(json.dumps(target_endpoints, sort_keys=True)),
        # Secret names in each target account, read through that account's sync-target role.
        "SYNC_TARGET_SECRETS": Sub(json.dumps(target_secrets, sort_keys=True)),
        "SYNC_TARGET_ROLES": Sub(json.dumps(target_roles, sort_keys=True)),
        "SYNC_EXTERNAL_ID": Ref(parameters["SyncExternalId"]),
        "SYNC_ALLOWLIST": Join(",", Ref(parameters["SyncTables"])),
    }


def _role_parameter(environment: str) -> str:
    return f"{environment.capitalize()}SyncTargetRoleArn"


def _endpoint_parameter(environment: str) -> str:
    return f"{environment.capitalize()}DatabaseEndpoint"


def _port_parameter(environment: str) -> str:
    return f"{environment.capitalize()}DatabasePort"


def _vpc_cidr_parameter(environment: str) -> str:
    return f"{environment.capitalize()}VpcCidr"


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        private_subnet_ids_parameter(),
        Parameter(
            "SyncSecurityGroupId",
            Type="AWS::EC2::SecurityGroup::Id",
            Description="The sync's own security group (peering stack): the only prod group "
            "that reaches the staging and dev databases",
            ConstraintDescription="must be a security group id",
        ),
        image_uri_parameter("SyncImageUri", "sync"),
        Parameter(
            "SyncRoleArn",
            Type="String",
            AllowedPattern=ROLE_ARN_PATTERN,
            Description="The prod sync role (iam stack), the one the targets trust",
            ConstraintDescription="must be an IAM role ARN",
        ),
        Parameter(
            "SourceSecretArn",
            Type="String",
            AllowedPattern=SECRET_ARN_PATTERN,
            Description="Prod's sync-reader secret (users stack)",
            ConstraintDescription="must be a Secrets Manager secret ARN",
        ),
        Parameter(
            "SourceReaderEndpoint",
            Type="String",
            AllowedPattern=HOST_PATTERN,
            Description="Prod's reader endpoint (cluster stack): the sync reads prod there",
            ConstraintDescription="must be a host name",
        ),
        *(
            parameter
            for env in SYNC_TARGETS
            for parameter in (
                Parameter(
                    _endpoint_parameter(env),
                    Type="String",
                    AllowedPattern=HOST_PATTERN,
                    Description=f"{env}'s writer endpoint (its cluster stack, read by prod's "
                    "deploy); the sync never takes it from the target's secret",
                    ConstraintDescription="must be a host name",
                ),
                Parameter(
                    _port_parameter(env),
                    Type="Number",
                    MinValue=1,
                    MaxValue=65535,
                    Description=f"{env}'s MySQL port (its cluster stack)",
                    ConstraintDescription="must be a TCP port",
                ),
                Parameter(
                    _vpc_cidr_parameter(env),
                    Type="String",
                    AllowedPattern=VPC_CIDR_PATTERN,
                    Description=f"{env}'s VPC (address plan): its database endpoint must resolve "
                    "inside it, or the sync refuses to connect",
                    ConstraintDescription="must be a private /16 such as 10.2.0.0/16",
                ),
            )
        ),
        *(
            Parameter(
                _role_parameter(env),
                Type="String",
                AllowedPattern=ROLE_ARN_PATTERN,
                Description=f"The sync-target role in {env}'s account (iam stack there)",
                ConstraintDescription="must be an IAM role ARN",
            )
            for env in SYNC_TARGETS
        ),
        Parameter(
            "SyncExternalId",
            Type="String",
            AllowedPattern=EXTERNAL_ID_PATTERN,
            Description="ExternalId the sync presents to the sync-target roles",
            ConstraintDescription="must be 16 or more of A-Z a-z 0-9 +=,.@:/_-",
        ),
        Parameter(
            "SyncTables",
            Type="CommaDelimitedList",
            AllowedPattern=TABLE_PATTERN,
            Description="The allowlist: reference tables the sync may copy (config/config.yaml)",
            ConstraintDescription="must be table names (lowercase letters, digits, _)",
        ),
        Parameter(
            "SyncSchedule",
            Type="String",
            Default="rate(1 hour)",
            AllowedPattern=RATE_PATTERN,
            Description="How often the sync runs (an EventBridge rate expression)",
            ConstraintDescription="must be rate(N minutes|hours|days)",
        ),
        Parameter(
            "SyncScheduleEnabled",
            Type="String",
            Default="true",
            AllowedValues=["true", "false"],
            Description="false removes the schedule (runs by hand only)",
            ConstraintDescription="must be true or false",
        ),
    ]
    return {parameter.title: template.add_parameter(parameter) for parameter in specs}


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("sync", SyncOptions, build, sceptre_user_data)
