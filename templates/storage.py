"""storage stack: the migration-script bucket and the audit-log bucket.

Both are versioned, encrypted with the environment's key, private, TLS-only, and expire
noncurrent versions. Cross-region replication of the audit log comes with the second region.
"""

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.buckets import add_private_bucket, add_tls_only_policy
from tapstack_blocks.handler import render
from tapstack_blocks.naming import global_resource_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters, add_kms_key_arn_parameter
from troposphere import GetAtt, Parameter, Ref, Template

DEFAULT_NONCURRENT_VERSION_DAYS = 30


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
        ),
    }
    for label, bucket in buckets.items():
        add_tls_only_policy(template, bucket)
        add_exported_output(template, f"{label}BucketName", Ref(bucket), f"{label} bucket name")
        add_exported_output(
            template, f"{label}BucketArn", GetAtt(bucket, "Arn"), f"{label} bucket ARN"
        )
    return template


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("storage", StorageOptions, build, sceptre_user_data)
