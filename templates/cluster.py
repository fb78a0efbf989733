"""cluster stack: the environment's Aurora MySQL cluster, with no instance.

The cluster, its subnet group, parameter groups and RDS log groups; in an Aurora global database
(option `global_database`) the primary's GlobalCluster and generated master secret too
(tapstack_blocks.global_database). Encrypted with the environment's key; TLS required, the slow
and audit logs on; IAM database auth; master credentials managed and rotated by RDS unless the
cluster is a global-database member. No Lambda and no custom resource: the stack needs nothing
but the key and the network, so it starts as early as it can, and everything that waits for it
(the instances, the database users, the secondary region, the writer's failover records) starts
the moment the cluster exists (docs/deploy-budget.md). The instances are the database stack's.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.aurora_parameter_groups import add_aurora_parameter_groups
from tapstack_blocks.boundary import permissions_boundary_arn
from tapstack_blocks.global_database import GlobalMembership, GlobalRole
from tapstack_blocks.handler import render
from tapstack_blocks.iam import aws_managed_policy_arn, service_trust_policy
from tapstack_blocks.naming import resource_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    add_environment_parameters,
    add_is_prod_condition,
    add_kms_key_arn_parameter,
    private_subnet_ids_parameter,
)
from tapstack_blocks.protection import ProtectData
from tapstack_blocks.rds_logs import add_rds_log_groups
from tapstack_blocks.retention import backup_retention_days, log_retention_days
from tapstack_blocks.tags import name_tags
from tapstack_environment.aurora import DEFAULT_ENGINE_VERSION, ENGINE_VERSION_PATTERN
from troposphere import GetAtt, Parameter, Ref, Template
from troposphere.iam import Role
from troposphere.rds import DBCluster, DBSubnetGroup

LOG_EXPORTS = ["audit", "error", "slowquery"]
DATABASE_NAME = "tapstack"
MASTER_USERNAME = "tapstack_admin"


class ClusterOptions(BaseModel):
    """What the cluster template is told through sceptre_user_data."""

    model_config = ConfigDict(extra="forbid")

    # CloudFormation cannot choose DeletionPolicy by condition without a transform, so this one
    # difference is decided at render time: prod keeps a final snapshot.
    deletion_policy: Literal["Snapshot", "Delete"] = "Delete"
    # The cluster's place in an Aurora global database; none renders the standalone cluster.
    global_database: GlobalRole = "none"
    # DeletionProtection on the cluster (and global cluster); Retain on the master secret and
    # the RDS log groups (tapstack_blocks.protection)
    protect_data: ProtectData = False


def build(options: ClusterOptions) -> Template:
    """The cluster stack's template."""
    template = Template(Description="tapstack cluster: Aurora MySQL cluster (no instance)")
    add_environment_parameters(template)
    add_is_prod_condition(template)
    log_days = log_retention_days(template)
    kms_key_arn = Ref(add_kms_key_arn_parameter(template))
    parameters = _add_parameters(template)
    cluster_parameters, instance_parameters = add_aurora_parameter_groups(
        template, Ref(parameters["EngineVersion"])
    )
    membership = GlobalMembership(
        options.global_database, template, kms_key_arn, MASTER_USERNAME, options.protect_data
    )
    log_groups = add_rds_log_groups(
        template, resource_name("aurora"), LOG_EXPORTS, kms_key_arn, log_days, options.protect_data
    )
    cluster = template.add_resource(
        DBCluster(
            "DatabaseCluster",
            DependsOn=log_groups,  # RDS exports into them instead of creating its own
            DBClusterIdentifier=resource_name("aurora"),
            Engine="aurora-mysql",
            EngineVersion=Ref(parameters["EngineVersion"]),
            **membership.cluster_properties(DATABASE_NAME),
            StorageEncrypted=True,
            KmsKeyId=kms_key_arn,
            DBSubnetGroupName=Ref(_add_subnet_group(template, parameters)),
            VpcSecurityGroupIds=[Ref(parameters["DatabaseSecurityGroupId"])],
            DBClusterParameterGroupName=Ref(cluster_parameters),
            BackupRetentionPeriod=backup_retention_days(template),
            CopyTagsToSnapshot=True,
            DeletionProtection=options.protect_data,
            EnableCloudwatchLogsExports=LOG_EXPORTS,
            EnableIAMDatabaseAuthentication=True,
            Tags=name_tags(resource_name("aurora")),
            DeletionPolicy=options.deletion_policy,
            UpdateReplacePolicy=options.deletion_policy,
        )
    )
    _add_outputs(template, cluster, membership.secret_arn(cluster), membership.secret_kind)
    add_exported_output(
        template,
        "InstanceParameterGroupName",
        Ref(instance_parameters),
        "Parameter group of the cluster's instances (the engine version's family)",
    )
    monitoring_role = template.add_resource(_monitoring_role())
    add_exported_output(
        template,
        "MonitoringRoleArn",
        GetAtt(monitoring_role, "Arn"),
        "The role RDS enhanced monitoring of the cluster's instances publishes with",
    )
    membership.finish(cluster)
    return template


def _monitoring_role() -> Role:
    """The role RDS enhanced monitoring publishes OS metrics with: created with the cluster, so
    the instances (database stack; a failover's, for a headless secondary) need not wait for it."""
    return Role(
        "EnhancedMonitoringRole",
        PermissionsBoundary=permissions_boundary_arn(),
        AssumeRolePolicyDocument=service_trust_policy("monitoring.rds.amazonaws.com"),
        ManagedPolicyArns=[aws_managed_policy_arn("service-role/AmazonRDSEnhancedMonitoringRole")],
    )


def _add_subnet_group(template: Template, parameters: dict[str, Parameter]) -> DBSubnetGroup:
    return template.add_resource(
        DBSubnetGroup(
            "DatabaseSubnetGroup",
            DBSubnetGroupDescription="tapstack Aurora cluster: the private subnets",
            SubnetIds=Ref(parameters["PrivateSubnetIds"]),
            Tags=name_tags(resource_name("database")),
        )
    )


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        private_subnet_ids_parameter(),
        Parameter(
            "DatabaseSecurityGroupId",
            Type="AWS::EC2::SecurityGroup::Id",
            Description="The database tier security group (network stack): 3306 from Lambdas.",
            ConstraintDescription="must be a security group id",
        ),
        Parameter(
            "EngineVersion",
            Type="String",
            Default=DEFAULT_ENGINE_VERSION,
            AllowedPattern=ENGINE_VERSION_PATTERN,
            Description="Aurora MySQL engine version: 3.x (MySQL 8.0, default) or 2.x (5.7, "
            "past the end of standard support).",
            ConstraintDescription="must be an Aurora MySQL 3 (8.0.mysql_aurora.3.xx.y) or "
            "Aurora MySQL 2 (5.7.mysql_aurora.2.xx.y) engine version",
        ),
    ]
    return {spec.title: template.add_parameter(spec) for spec in specs}


def _add_outputs(template: Template, cluster: DBCluster, secret_arn, secret_kind: str) -> None:
    add_exported_output(
        template, "ClusterEndpoint", GetAtt(cluster, "Endpoint.Address"), "Writer endpoint"
    )
    add_exported_output(
        template, "ReaderEndpoint", GetAtt(cluster, "ReadEndpoint.Address"), "Reader endpoint"
    )
    add_exported_output(template, "ClusterPort", GetAtt(cluster, "Endpoint.Port"), "MySQL port")
    add_exported_output(template, "ClusterIdentifier", Ref(cluster), "Cluster identifier")
    add_exported_output(
        template,
        "MasterSecretArn",
        secret_arn,
        f"ARN of the {secret_kind} master secret (the ARN only, never the password)",
    )
    add_exported_output(template, "DatabaseName", DATABASE_NAME, "Schema name")


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("cluster", ClusterOptions, build, sceptre_user_data)
