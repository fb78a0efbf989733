"""Custom::DefaultSecurityGroupLockdown: remove every rule of a VPC's default security group.

EC2 creates each VPC's default group with an allow-all egress rule and an ingress rule from the
group itself, and CloudFormation cannot manage that group; AWS's control (Security Hub EC2.2)
asks for it to have no rules, so nothing placed in it by mistake can talk to anything.
Lambda handler `tapstack_default_security_group.handler.handler`; the physical id is the group
id. Delete leaves the group as it is (the VPC's deletion removes it).
"""

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from crhelper import CfnResource

SLEEP_ON_DELETE_SECONDS = 5  # crhelper waits 120 s by default for logs to flush on Delete

logger = Logger(service="default-security-group")
helper = CfnResource(log_level="INFO", sleep_on_delete=SLEEP_ON_DELETE_SECONDS)
try:
    ec2 = boto3.client("ec2")
except Exception as err:  # reported to CloudFormation on the first request
    helper.init_failure(err)


def revoke_every_rule(client: Any, group_id: str) -> int:
    """Revoke the group's ingress and egress rules; the number revoked."""
    (group,) = client.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    if group["GroupName"] != "default":
        raise ValueError(f"{group_id} is {group['GroupName']!r}, not a VPC's default group")
    revoked = 0
    for key, revoke in (
        ("IpPermissions", client.revoke_security_group_ingress),
        ("IpPermissionsEgress", client.revoke_security_group_egress),
    ):
        if group[key]:
            revoke(GroupId=group_id, IpPermissions=group[key])
            revoked += len(group[key])
    return revoked


@helper.create
@helper.update
def lock_down(event: dict[str, Any], _context: Any) -> str:
    """Leave the named default group with no rules (again, on every update)."""
    group_id = event["ResourceProperties"]["GroupId"]
    logger.info("revoked %d rule(s) of %s", revoke_every_rule(ec2, group_id), group_id)
    return group_id


@helper.delete
def delete(event: dict[str, Any], _context: Any) -> str:
    """Nothing to undo: a default group without rules is what AWS recommends."""
    return event.get("PhysicalResourceId", "")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point."""
    helper(event, context)
