"""storage stack: the migration-script bucket and the audit-log bucket.

Both are versioned, encrypted with the environment's key, private, TLS-only, and expire
noncurrent versions. Where the environment has a second region (prod, option
`replicate_audit_log`), the audit-log bucket replicates to that region's audit-log bucket; the
migration bucket stays regional (its content is rebuilt from the repository).
"""

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.audit_trail import (
    TrailScope,
    add_audit_trail,
    cloudtrail_bucket_statements,
)
from tapstack_blocks.buckets import (
    add_access_log_bucket,
    add_private_bucket,
    add_tls_only_policy,
)
from tapstack_blocks.handler import render
from tapstack_blocks.naming import bucket_arn, deploy_role_arn, global_resource_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    KMS_KEY_ARN_PATTERN,
    add_environment_parameters,
    add_kms_key_arn_parameter,
)
from tapstack_blocks.protection import ProtectData, object_lock_mode
from tapstack_blocks.replication import (
    REPLICATION_ROLE,
    add_replication_role,
    replication_configuration,
    role_arn,
)
from tapstack_blocks.retention import audit_log_retention_days
from troposphere import GetAtt, Parameter, Ref, Template
from troposphere.s3 import DefaultRetention, ObjectLockConfiguration, ObjectLockRule

DEFAULT_NONCURRENT_VERSION_DAYS = 30
# The audit log: every version kept a year (PCI DSS 10.7), each under Object Lock for that year.
AUDIT_LOG_RETENTION_DAYS = 365
BUCKET_ARN_PATTERN = r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"


class StorageOptions(BaseModel):
    """What the storage template may be told through sceptre_user_data."""

    model_config = ConfigDict(extra="forbid")

    # Replicate the audit log to the environment's second region (cross-region replication).
    replicate_audit_log: bool = False
    protect_data: ProtectData = False  # the audit log's Object Lock in compliance mode
    # The account's CloudTrail trail, in its home region (prod: multi-region); none elsewhere.
    audit_trail: TrailScope = "none"


def build(options: StorageOptions) -> Template:
    """The storage stack's template."""
    template = Template(Description="tapstack storage: migration-script and audit-log buckets")
    add_environment_parameters(template)
    kms_key_arn = Ref(add_kms_key_arn_parameter(template))
    noncurrent_days = Ref(
        template.add_parameter(
            Parameter(
                "NoncurrentVersionExpirationDays",
                Type="Number",
                Default=DEFAULT_NONCURRENT_VERSION_DAYS,
                MinValue=1,
                MaxValue=3650,
                Description="Days a replaced or deleted object version is kept.",
                ConstraintDescription="must be between 1 and 3650 days",
            )
        )
    )
    s3_endpoint = Ref(
        template.add_parameter(
            Parameter(
                "S3EndpointId",
                Type="String",
                AllowedPattern=r"^vpce-[0-9a-f]{8,17}$",
                Description="The VPC's S3 gateway endpoint (network stack): the only way this "
                "project's code may reach the buckets.",
                ConstraintDescription="must be a VPC endpoint id",
            )
        )
    )
    # Outside the endpoint: the deployer (hooks upload packages and migrations) and S3
    # replicating the audit log (prod), by their exact role ARNs.
    exempt = [deploy_role_arn(), role_arn(REPLICATION_ROLE)]
    # S3 server access logs of both buckets (SSE-S3: the only encryption log delivery takes)
    access_logs, access_log_policy = add_access_log_bucket(
        template,
        global_resource_name("access-logs"),
        [bucket_arn("migrations"), bucket_arn("audit-log")],
        s3_endpoint,
        exempt,
    )
    logged = {"access_logs": Ref(access_logs)}
    buckets = {
        "Migration": add_private_bucket(
            template,
            "MigrationBucket",
            global_resource_name("migrations"),
            kms_key_arn,
            noncurrent_days,
            unreplicated_because="Its content is rebuilt from the repository by the "
            "upload_migrations hook on every deploy, in whichever region deploys.",
            **logged,
        ),
        "AuditLog": add_private_bucket(
            template,
            "AuditLogBucket",
            global_resource_name("audit-log"),
            kms_key_arn,
            AUDIT_LOG_RETENTION_DAYS,
            replication=(
                _audit_log_replication(template, kms_key_arn)
                if options.replicate_audit_log
                else None
            ),
            unreplicated_because="This environment has no second region (dev, staging), or "
            "this bucket is itself the replica (prod/eu-west-1).",
            object_lock=_audit_log_lock(options.protect_data),
            **logged,
        ),
    }
    for bucket in buckets.values():
        bucket.DependsOn = [access_log_policy.title]  # S3 checks the log bucket's policy
    add_exported_output(
        template, "AccessLogBucketName", Ref(access_logs), "S3 server access logs bucket name"
    )
    trail_writes = options.audit_trail != "none"
    for label, bucket in buckets.items():
        extra = (
            cloudtrail_bucket_statements(GetAtt(bucket, "Arn"))
            if trail_writes and label == "AuditLog"
            else []
        )
        add_tls_only_policy(template, bucket, s3_endpoint, exempt, extra)
        add_exported_output(template, f"{label}BucketName", Ref(bucket), f"{label} bucket name")
        add_exported_output(
            template, f"{label}BucketArn", GetAtt(bucket, "Arn"), f"{label} bucket ARN"
        )
    if trail_writes:
        add_audit_trail(
            template,
            options.audit_trail,
            Ref(buckets["AuditLog"]),
            [GetAtt(buckets["Migration"], "Arn")],
            kms_key_arn,
            audit_log_retention_days(template),
            depends_on=["AuditLogBucketPolicy"],
            protect_data=options.protect_data,
        )
    return template


def _audit_log_lock(protect_data: bool) -> ObjectLockConfiguration:
    """Object Lock: no version can be deleted or overwritten for a year. Governance mode yields
    to a principal holding s3:BypassGovernanceRetention that asks to (the teardown of dev and
    staging, `!empty_buckets`); compliance mode (protect_data) to nobody."""
    return ObjectLockConfiguration(
        ObjectLockEnabled="Enabled",
        Rule=ObjectLockRule(
            DefaultRetention=DefaultRetention(
                Mode=object_lock_mode(protect_data), Days=AUDIT_LOG_RETENTION_DAYS
            )
        ),
    )


def _audit_log_replication(template: Template, kms_key_arn: Ref):
    """Replication of the audit log to the second region, when its bucket and key are given."""
    replica_bucket = Ref(
        template.add_parameter(
            Parameter(
                "AuditLogReplicaBucketArn",
                Type="String",
                AllowedPattern=BUCKET_ARN_PATTERN,
                Description="ARN of the audit-log bucket in the second region (its storage "
                "stack), where the audit log replicates to.",
                ConstraintDescription="must be an S3 bucket ARN",
            )
        )
    )
    replica_key = Ref(
        template.add_parameter(
            Parameter(
                "AuditLogReplicaKmsKeyArn",
                Type="String",
                AllowedPattern=KMS_KEY_ARN_PATTERN,
                Description="ARN of the second region's environment key (its kms stack), which "
                "re-encrypts the replicas.",
                ConstraintDescription="must be the ARN of a KMS key",
            )
        )
    )
    role = add_replication_role(
        template,
        "AuditLogReplicationRole",
        source_bucket_arn=bucket_arn("audit-log"),
        source_key_arn=kms_key_arn,
        destination_bucket_arn=replica_bucket,
        destination_key_arn=replica_key,
    )
    return replication_configuration(role, replica_bucket, replica_key)


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("storage", StorageOptions, build, sceptre_user_data)
