"""The log groups RDS exports an Aurora cluster's logs to, created before the cluster.

RDS creates `/aws/rds/cluster/{cluster}/{log}` itself on first export, with no KMS key and no
retention (kept forever, readable by anyone with logs:GetLogEvents on it). Created here first,
RDS writes into them instead: encrypted with the environment key, kept for the environment's
`retention.log_days` (prod: 365, the year PCI DSS 10.7 asks for), and deleted with the stack
unless the environment protects its data (then retained).
"""

from troposphere import AWSHelperFn, Sub, Template
from troposphere.logs import LogGroup

from tapstack_blocks.protection import kept_unless_destroyable
from tapstack_blocks.suppressions import RETENTION_BY_ENVIRONMENT, scanner_metadata


def add_rds_log_groups(
    template: Template,
    cluster_identifier: AWSHelperFn,
    exports: list[str],
    kms_key_arn: AWSHelperFn,
    retention_days: AWSHelperFn,
    protect_data: bool = False,
) -> list[str]:
    """One encrypted log group per exported log; their logical ids (the cluster depends on
    them)."""
    logical_ids = []
    for log in exports:
        group = template.add_resource(
            LogGroup(
                f"RdsLogGroup{log.capitalize()}",
                LogGroupName=Sub(
                    f"/aws/rds/cluster/${{Cluster}}/{log}", Cluster=cluster_identifier
                ),
                RetentionInDays=retention_days,
                KmsKeyId=kms_key_arn,
                Metadata=scanner_metadata(RETENTION_BY_ENVIRONMENT),
                DeletionPolicy=kept_unless_destroyable(protect_data),
                UpdateReplacePolicy=kept_unless_destroyable(protect_data),
            )
        )
        logical_ids.append(group.title)
    return logical_ids
