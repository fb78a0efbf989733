"""Behaviours real AWS CloudFormation has and moto lacks, patched into moto's classes.

Each module has one `apply()`; they run once, in the server process, before it serves.
"""

import importlib

# Order matters where one patch wraps another: `unsupported` guards moto's update before
# `stack_events` wraps it with events.
MODULES = (
    "call_journal",
    "assume_role_trust",
    "bucket_policy_conditions",
    "conditional_exports",
    "conditional_resources",
    "custom_resource_types",
    "deletion_policy",
    "ecr_images",
    "lambda_without_docker",
    "object_lock_retention",
    "rds_master_secret",
    "route53_health",
    "s3_logging_permissions",
    "s3_replication_response",
    "s3_object_replication",
    "ssm_secure_string_key",
    "state_machine_execution",
    "metric_alarms",
    "embedded_metrics",
    "dependency_order",
    "intrinsics",
    "dynamic_references",
    "list_parameter_values",
    "no_op_update",
    "unsupported",
    "stack_events",
    "conditional_updates",
    "stack_operations",
    "rollback_configuration",
    "rollback_monitoring",
    "cloudformation_journal",  # last: it records every write call, whatever the others do
)


def apply() -> None:
    """Apply every behaviour patch."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}").apply()
