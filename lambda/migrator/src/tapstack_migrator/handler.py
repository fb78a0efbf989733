"""Custom::DatabaseMigration: Create/Update apply migrations/ and the users; Delete keeps all.

Lambda handler `tapstack_migrator.handler.handler`. Environment: DATABASE_CA_BUNDLE, the path of
the PEM bundle that verifies the cluster's TLS certificate (empty: no TLS, local servers only).
"""

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from crhelper import CfnResource

from tapstack_migrator.deployment import deploy_schema
from tapstack_migrator.errors import MigrationError, MigrationFailedError
from tapstack_migrator.properties import MigrationProperties

REASON_LIMIT = 256  # CloudFormation shows this much of a failure reason
SLEEP_ON_DELETE_SECONDS = 5  # crhelper waits 120 s by default for logs to flush on Delete

logger = Logger(service="migrator")
# INFO, not crhelper's DEBUG: DEBUG would log the whole event and response.
helper = CfnResource(log_level="INFO", sleep_on_delete=SLEEP_ON_DELETE_SECONDS)
try:
    CA_BUNDLE = os.environ["DATABASE_CA_BUNDLE"] or None
    s3 = boto3.client("s3")
    secrets = SecretsProvider(boto3_client=boto3.client("secretsmanager"))
except Exception as err:  # reported to CloudFormation on the first request
    helper.init_failure(err)


class DeploymentFailedError(Exception):
    """A short reason for CloudFormation; the full report is in the log."""


@helper.create
@helper.update
def apply(event: dict[str, Any], _context: Any) -> str:
    """Apply pending migrations and (re)grant the users; returns the stable physical id."""
    properties = MigrationProperties.from_event(event["ResourceProperties"])
    logger.info(
        "migrating", extra={"key": properties.migrations_key, "schema": properties.physical_id}
    )
    try:
        report = deploy_schema(properties, s3=s3, secrets=secrets, ca_bundle=CA_BUNDLE)
    except MigrationError as err:
        logger.error(str(err))
        reason = err.summary if isinstance(err, MigrationFailedError) else str(err)
        raise DeploymentFailedError(_shorten(reason)) from err
    helper.Data.update(
        {
            "SchemaVersion": str(report.schema_version or 0),
            "AppliedMigrations": ",".join(report.applied),
            "MigrationsKey": properties.migrations_key,
        }
    )
    return properties.physical_id


@helper.delete
def delete(event: dict[str, Any], _context: Any) -> str:
    """Leave the schema, its data and its users: they go with the cluster, if ever."""
    logger.info("delete: schema left as it is", extra={"id": event.get("PhysicalResourceId")})
    return event.get("PhysicalResourceId", "")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point."""
    helper(event, context)


def _shorten(text: str) -> str:
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 3] + "..."
