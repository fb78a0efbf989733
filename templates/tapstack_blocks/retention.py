"""How long each environment keeps logs, backups and a deleted key: constrained parameters.

The windows are environment facts (`retention` in config/{env}/config.yaml, validated by
tapstack_environment.retention), passed to each stack as a parameter whose constraints
CloudFormation enforces too. One name per window, shared by the templates and stack configs.
"""

from tapstack_environment.retention import (
    BACKUP_RETENTION_DAYS,
    KEY_DELETION_WINDOW_DAYS,
    LOG_RETENTION_DAYS,
)
from troposphere import Parameter, Ref, Template

LOG_RETENTION_PARAMETER = "LogRetentionDays"
AUDIT_LOG_RETENTION_PARAMETER = "AuditLogRetentionDays"
BACKUP_RETENTION_PARAMETER = "BackupRetentionDays"
KEY_DELETION_WINDOW_PARAMETER = "KeyDeletionWindowDays"


def _log_retention(template: Template, title: str, what: str) -> Ref:
    allowed = ", ".join(str(days) for days in LOG_RETENTION_DAYS)
    parameter = template.add_parameter(
        Parameter(
            title,
            Type="Number",
            Description=f"Days CloudWatch Logs keeps {what} (config/{{env}}/config.yaml retention)",
            AllowedValues=list(LOG_RETENTION_DAYS),
            ConstraintDescription=f"one of CloudWatch Logs' retention periods: {allowed}",
        )
    )
    return Ref(parameter)


def _days_between(template: Template, title: str, what: str, bounds: tuple[int, int]) -> Ref:
    low, high = bounds
    parameter = template.add_parameter(
        Parameter(
            title,
            Type="Number",
            Description=f"{what} (config/{{env}}/config.yaml retention)",
            MinValue=low,
            MaxValue=high,
            ConstraintDescription=f"a whole number of days from {low} to {high}",
        )
    )
    return Ref(parameter)


def log_retention_days(template: Template) -> Ref:
    """`LogRetentionDays`: Lambda and Aurora log groups (`retention.log_days`)."""
    return _log_retention(template, LOG_RETENTION_PARAMETER, "Lambda and database logs")


def audit_log_retention_days(template: Template) -> Ref:
    """`AuditLogRetentionDays`: VPC flow logs and CloudTrail (`retention.audit_log_days`)."""
    return _log_retention(template, AUDIT_LOG_RETENTION_PARAMETER, "flow logs and audit trails")


def backup_retention_days(template: Template) -> Ref:
    """`BackupRetentionDays`: Aurora automated backups (`retention.backup_days`)."""
    what = "Days Aurora keeps automated backups"
    return _days_between(template, BACKUP_RETENTION_PARAMETER, what, BACKUP_RETENTION_DAYS)


def key_deletion_window_days(template: Template) -> Ref:
    """`KeyDeletionWindowDays`: a deleted key's waiting period (`retention.key_deletion_days`)."""
    what = "Days a deleted environment key stays recoverable"
    return _days_between(template, KEY_DELETION_WINDOW_PARAMETER, what, KEY_DELETION_WINDOW_DAYS)
