"""How long an environment keeps logs and backups, and a deleted key: `retention` in
config/{env}/config.yaml. The templates declare the same bounds on their parameters
(tapstack_blocks.retention)."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt

# CloudWatch Logs' retention values that AWS's Guard rule CW_LOGGROUP_RETENTION_PERIOD_CHECK
# accepts (tests/scanners/guard/rules/aws/cloudwatch/cw_loggroup_retention_period_check.guard).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653)
BACKUP_RETENTION_DAYS = (1, 35)  # Aurora's range for automated backups
KEY_DELETION_WINDOW_DAYS = (7, 30)  # KMS's range for PendingWindowInDays


def _log_retention_period(days: int) -> int:
    if days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(value) for value in LOG_RETENTION_DAYS)
        raise ValueError(f"not a CloudWatch Logs retention period; choose one of {allowed}")
    return days


LogRetentionDays = Annotated[StrictInt, AfterValidator(_log_retention_period)]


class RetentionWindows(BaseModel):
    """How long an environment keeps logs and backups, and a deleted key (`retention`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    log_days: LogRetentionDays
    audit_log_days: LogRetentionDays
    backup_days: Annotated[
        StrictInt, Field(ge=BACKUP_RETENTION_DAYS[0], le=BACKUP_RETENTION_DAYS[1])
    ]
    key_deletion_days: Annotated[
        StrictInt, Field(ge=KEY_DELETION_WINDOW_DAYS[0], le=KEY_DELETION_WINDOW_DAYS[1])
    ]
