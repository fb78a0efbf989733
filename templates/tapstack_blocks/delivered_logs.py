"""An encrypted log group that an AWS service delivers into, and the role it delivers with.

VPC flow logs (network stack) and CloudTrail (storage stack) are this one shape: a log group
under the environment key, kept for the environment's audit-log retention and retained only
when the environment protects its data, and a role (with the permissions boundary) that the
service assumes to write to that group alone.
"""

from collections.abc import Callable
from dataclasses import dataclass

from awacs.aws import Action, Allow, Policy, Statement
from troposphere import AWSHelperFn, GetAtt, Template
from troposphere.iam import Policy as RolePolicy
from troposphere.iam import Role
from troposphere.logs import LogGroup

from tapstack_blocks.boundary import permissions_boundary_arn
from tapstack_blocks.naming import log_group_name
from tapstack_blocks.protection import kept_unless_destroyable
from tapstack_blocks.suppressions import (
    INLINE_POLICY,
    RETENTION_BY_ENVIRONMENT,
    scanner_metadata,
)


@dataclass(frozen=True)
class LogDelivery:
    """One service's delivery: ids, the group's name, who may assume the role, what it may do."""

    log_group_id: str
    log_group: str  # `/tapstack/{env}/{suffix}/{log_group}`
    role_id: str
    trust: Policy
    policy_name: str
    actions: list[Action]
    # The resources the role writes to, given the log group's ARN.
    resources: Callable[[GetAtt], list[AWSHelperFn]]


@dataclass(frozen=True)
class LogStorage:
    """How the group is kept: the environment key, its retention, its data protection."""

    kms_key_arn: AWSHelperFn
    retention_days: AWSHelperFn
    protect_data: bool = False


def add_delivered_log_group(
    template: Template, delivery: LogDelivery, storage: LogStorage
) -> tuple[LogGroup, Role]:
    """Add the log group and the delivery role; return both."""
    kept = kept_unless_destroyable(storage.protect_data)
    log_group = template.add_resource(
        LogGroup(
            delivery.log_group_id,
            LogGroupName=log_group_name(delivery.log_group),
            RetentionInDays=storage.retention_days,
            KmsKeyId=storage.kms_key_arn,
            Metadata=scanner_metadata(RETENTION_BY_ENVIRONMENT),
            DeletionPolicy=kept,
            UpdateReplacePolicy=kept,
        )
    )
    statement = Statement(
        Effect=Allow,
        Action=delivery.actions,
        Resource=delivery.resources(GetAtt(log_group, "Arn")),
    )
    role = template.add_resource(
        Role(
            delivery.role_id,
            PermissionsBoundary=permissions_boundary_arn(),
            Metadata=scanner_metadata(INLINE_POLICY),
            AssumeRolePolicyDocument=delivery.trust,
            Policies=[
                RolePolicy(
                    PolicyName=delivery.policy_name,
                    PolicyDocument=Policy(Version="2012-10-17", Statement=[statement]),
                )
            ],
        )
    )
    return log_group, role
