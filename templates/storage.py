"""storage stack: the migration-script bucket and the audit-log bucket.

Both are versioned, encrypted with the environment's key, private, TLS-only, and expire
noncurrent versions. Where the environment has a second region (prod), the audit-log bucket
replicates to it (condition ReplicatesAuditLog: the replica bucket and its key are given); the
migration bucket stays regional (its content is rebuilt from the repository).
"""

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.buckets import add_private_bucket, add_tls_only_policy
from tapstack_blocks.handler import render
from tapstack_blocks.naming import bucket_arn, global_resource_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    KMS_KEY_ARN_PATTERN,
    add_environment_parameters,
    add_kms_key_arn_parameter,
)
from tapstack_blocks.replication import add_replication_role, replication_configuration
from troposphere import And, Equals, GetAtt, Not, Parameter, Ref, Template

DEFAULT_NONCURRENT_VERSION_DAYS = 30
REPLICATES_AUDIT_LOG = "ReplicatesAuditLog"
BUCKET_ARN_PATTERN = r"^(arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$"


class StorageOptions(BaseModel):
    """The storage template takes no sceptre_user_data; anything given is an error."""

    model_config = ConfigDict(extra="forbid")


def build(_options: StorageOptions) -> Template:
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
    buckets = {
        "Migration": add_private_bucket(
            template,
            "MigrationBucket",
            global_resource_name("migrations"),
            kms_key_arn,
            noncurrent_days,
        ),
        "AuditLog": add_private_bucket(
            template,
            "AuditLogBucket",
            global_resource_name("audit-log"),
            kms_key_arn,
            noncurrent_days,
            replication=_audit_log_replication(template, kms_key_arn),
        ),
    }
    for label, bucket in buckets.items():
        add_tls_only_policy(template, bucket)
        add_exported_output(template, f"{label}BucketName", Ref(bucket), f"{label} bucket name")
        add_exported_output(
            template, f"{label}BucketArn", GetAtt(bucket, "Arn"), f"{label} bucket ARN"
        )
    return template


def _audit_log_replication(template: Template, kms_key_arn: Ref):
    """Replication of the audit log to the second region, when its bucket and key are given."""
    replica_bucket = Ref(
        template.add_parameter(
            Parameter(
                "AuditLogReplicaBucketArn",
                Type="String",
                Default="",
                AllowedPattern=BUCKET_ARN_PATTERN,
                Description="ARN of the audit-log bucket in the second region (its storage "
                "stack); empty: the audit log is not replicated.",
                ConstraintDescription="must be empty or an S3 bucket ARN",
            )
        )
    )
    replica_key = Ref(
        template.add_parameter(
            Parameter(
                "AuditLogReplicaKmsKeyArn",
                Type="String",
                Default="",
                AllowedPattern=f"^({KMS_KEY_ARN_PATTERN.strip('^$')})?$",
                Description="ARN of the second region's environment key (its kms stack), which "
                "re-encrypts the replicas; empty without replication.",
                ConstraintDescription="must be empty or the ARN of a KMS key",
            )
        )
    )
    template.add_condition(
        REPLICATES_AUDIT_LOG,
        And(Not(Equals(replica_bucket, "")), Not(Equals(replica_key, ""))),
    )
    role = add_replication_role(
        template,
        "AuditLogReplicationRole",
        REPLICATES_AUDIT_LOG,
        source_bucket_arn=bucket_arn("audit-log"),
        source_key_arn=kms_key_arn,
        destination_bucket_arn=replica_bucket,
        destination_key_arn=replica_key,
    )
    return replication_configuration(REPLICATES_AUDIT_LOG, role, replica_bucket, replica_key)


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("storage", StorageOptions, build, sceptre_user_data)
