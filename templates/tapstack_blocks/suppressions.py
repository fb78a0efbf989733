"""Security-scanner exceptions, written beside the resource they concern, each with its reason.

checkov reads `Metadata.checkov.skip` ([{id, comment}]). The AWS Guard Rules Registry's rules
skip a resource whose `Metadata.guard.SuppressedRules` names them; the reason for each sits
beside it in `Metadata.guard.Reasons` (tests/test_guard_rules.py refuses one without).
Every exception is listed in docs/security.md.
"""

from troposphere import BaseAWSObject

# Reasons shared by many resources of one kind.
INLINE_POLICY = {
    "IAM_NO_INLINE_POLICY_CHECK": "This role's policy serves this role only: an inline policy "
    "is created and deleted with the role and can never be attached to another principal, the "
    "strict one-to-one relationship AWS recommends inline policies for.",
}
SYNCHRONOUS_CUSTOM_RESOURCE = (
    "Invoked synchronously by CloudFormation for a custom resource; a failure is reported to "
    "the stack (which rolls back), so a dead-letter queue would hold nothing anyone acts on."
)
RETENTION_BY_ENVIRONMENT = {
    "CW_LOGGROUP_RETENTION_PERIOD_CHECK": "RetentionInDays is a parameter (the environment's "
    "retention, config/{env}/config.yaml), which Guard cannot resolve; every AllowedValue is one "
    "the rule allows (tests/test_guard_rules.py checks them against the rule's list).",
}
# Aurora: storage, backups, logs, deletion protection and AZ spread belong to the cluster.
AURORA_INSTANCE = {
    "DB_INSTANCE_BACKUP_ENABLED": "An Aurora instance has no backups of its own: the cluster's "
    "BackupRetentionPeriod (7 days, 30 in prod) covers its storage.",
    "RDS_INSTANCE_DELETION_PROTECTION_ENABLED": "Aurora takes DeletionProtection on the "
    "cluster, not on its instances; the cluster's setting is the one that guards the data.",
    "RDS_INSTANCE_LOGGING_ENABLED": "Aurora exports logs per cluster: the cluster's "
    "EnableCloudwatchLogsExports sends the audit, error and slow-query logs.",
    "RDS_MULTI_AZ_SUPPORT": "Aurora spreads a cluster over AZs with its instances (writer and "
    "reader in different subnets of the subnet group); MultiAZ does not apply to them.",
    "RDS_STORAGE_ENCRYPTED": "An Aurora instance has no storage of its own: the cluster's "
    "StorageEncrypted (with the environment key) covers it.",
}


def scanner_metadata(guard: dict[str, str]) -> dict:
    """A resource's Metadata exempting it from the Guard rules given as {rule: reason}."""
    return {"guard": {"SuppressedRules": sorted(guard), "Reasons": dict(guard)}}


def add_suppressions(
    resource: BaseAWSObject,
    checkov: dict[str, str] | None = None,
    guard: dict[str, str] | None = None,
) -> BaseAWSObject:
    """Record checkov checks and Guard rules ({id: reason}) the resource is exempt from."""
    metadata = dict(resource.resource.get("Metadata", {}))
    if checkov:
        skips = list(metadata.get("checkov", {}).get("skip", []))
        skips += [{"id": check, "comment": reason} for check, reason in checkov.items()]
        metadata["checkov"] = {"skip": skips}
    if guard:
        reasons = {**metadata.get("guard", {}).get("Reasons", {}), **guard}
        metadata["guard"] = {"SuppressedRules": sorted(reasons), "Reasons": reasons}
    resource.Metadata = metadata
    return resource
