"""Custom::SecureParameter: an SSM SecureString parameter under the given KMS key.

Lambda handler `tapstack_secure_parameter.handler.handler`. The physical id is the parameter
name: stable across updates; a new Name is a replacement (the new parameter is created here,
CloudFormation then deletes the old one). Value is never logged nor returned.
"""

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from crhelper import CfnResource

from tapstack_secure_parameter.parameters import (
    create_parameter,
    delete_parameter,
    update_parameter,
)
from tapstack_secure_parameter.properties import ParameterProperties, tags_of

SLEEP_ON_DELETE_SECONDS = 5  # crhelper waits 120 s by default for logs to flush on Delete

logger = Logger(service="secure-parameter")
# INFO, not crhelper's DEBUG: DEBUG would log the whole event, Value included.
helper = CfnResource(log_level="INFO", sleep_on_delete=SLEEP_ON_DELETE_SECONDS)
try:
    ssm = boto3.client("ssm")
except Exception as err:  # reported to CloudFormation on the first request
    helper.init_failure(err)


@helper.create
def create(event: dict[str, Any], _context: Any) -> str:
    """Create the parameter; its name is the physical id."""
    new = ParameterProperties.from_event(event["ResourceProperties"])
    version = create_parameter(ssm, new)
    logger.info("created %s (version %s)", new.name, version)
    helper.Data.update({"Name": new.name, "Version": str(version)})
    return new.name


@helper.update
def update(event: dict[str, Any], _context: Any) -> str:
    """Overwrite in place, or create the renamed parameter (CloudFormation deletes the old)."""
    new = ParameterProperties.from_event(event["ResourceProperties"])
    old_tags = tags_of(event.get("OldResourceProperties", {}))
    if new.name != event["PhysicalResourceId"]:
        version = create_parameter(ssm, new)
        logger.info("replaced %s with %s", event["PhysicalResourceId"], new.name)
    else:
        version = update_parameter(ssm, new, old_tags)
        logger.info("updated %s (version %s)", new.name, version)
    helper.Data.update({"Name": new.name, "Version": str(version)})
    return new.name


@helper.delete
def delete(event: dict[str, Any], _context: Any) -> str:
    """Delete the parameter this resource created; succeed when it is already gone."""
    physical_id = event.get("PhysicalResourceId", "")
    if physical_id == event["ResourceProperties"].get("Name"):
        delete_parameter(ssm, physical_id)
    else:
        # A failed Create leaves crhelper's generated id: there is nothing of ours to delete.
        logger.info("nothing to delete for %s", physical_id)
    return physical_id


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point."""
    helper(event, context)
