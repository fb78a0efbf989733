"""CloudFormation models for the resource types moto lacks or implements incompletely.

Each module registers its models with `tapstack_emulator.registry.register` on import.
"""

import importlib

MODULES = (
    "cloudtrail",
    "cloudwatch",
    "ec2_endpoints",
    "ec2_flow_logs",
    "ec2_network_acls",
    "ec2_peering",
    "ec2_security_groups",
    "ec2_subnets",
    "ec2_vpc",
    "cloudformation_stackset",
    "dynamodb",
    "ecr",
    "custom_resource",
    "iam",
    "iam_managed_policy",
    "kms",
    "lambda_function",
    "lambda_permission",
    "logs",
    "rds_global",
    "route53",
    "rds_cluster",
    "rds_instance",
    "rds_groups",
    "s3",
    "secretsmanager",
    "sns",
    "stepfunctions",
)


def load() -> None:
    """Import every model module (registering its models)."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
