"""database stack: the environment's Aurora MySQL cluster.

Writer instance everywhere, a reader in a second AZ in prod, both created at once (PromotionTier
0 makes the writer, 1 the reader: no instance waits for another); a global database's secondary
may be headless (option `instances: none`: the cluster replicates storage with no instance;
docs/operations.md says when and how instances are added); encrypted with the environment's
key; master credentials managed and rotated by RDS in Secrets Manager (no password in any
template, parameter or output); TLS required and the slow log on; IAM database auth; logs to
CloudWatch. The SSM SecureString connection parameters come with the secure_parameter custom
resource; a standalone cluster also publishes its endpoint as the environment's stable writer
name (`/tapstack/{env}/db/writer-dns`). In an Aurora global database (option
`global_database`: primary or secondary) the credentials differ; tapstack_blocks.global_database
says how.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator
from tapstack_blocks.aurora_parameter_groups import add_aurora_parameter_groups
from tapstack_blocks.boundary import permissions_boundary_arn
from tapstack_blocks.connection_parameters import ConnectionFacts, add_connection_parameters
from tapstack_blocks.default_security_group import add_default_group_lockdown
from tapstack_blocks.functions import VpcPlacement
from tapstack_blocks.global_database import GlobalMembership, GlobalRole
from tapstack_blocks.handler import render
from tapstack_blocks.iam import aws_managed_policy_arn, service_trust_policy
from tapstack_blocks.images import image_uri_parameter
from tapstack_blocks.naming import (
    resource_name,
    writer_dns_parameter,
)
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    add_environment_parameters,
    add_is_prod_condition,
    add_kms_key_arn_parameter,
    lambda_security_group_parameter,
    private_subnet_ids_parameter,
)
from tapstack_blocks.protection import ProtectData
from tapstack_blocks.rds_logs import add_rds_log_groups
from tapstack_blocks.retention import backup_retention_days, log_retention_days
from tapstack_blocks.suppressions import AURORA_INSTANCE, add_suppressions
from tapstack_blocks.tags import name_tags
from tapstack_environment.aurora import (
    DEFAULT_ENGINE_VERSION,
    DEFAULT_INSTANCE_CLASS,
    ENGINE_VERSION_PATTERN,
    INSTANCE_CLASSES,
)
from troposphere import (
    GetAtt,
    GetAZs,
    Parameter,
    Ref,
    Select,
    Template,
)
from troposphere.iam import Role
from troposphere.rds import (
    DBCluster,
    DBInstance,
    DBSubnetGroup,
)
from troposphere.ssm import Parameter as SsmParameter

LOG_EXPORTS = ["audit", "error", "slowquery"]
DATABASE_NAME = "tapstack"
MASTER_USERNAME = "tapstack_admin"
ENHANCED_MONITORING_SECONDS = 60


class DatabaseOptions(BaseModel):
    """What the database template is told through sceptre_user_data."""

    model_config = ConfigDict(extra="forbid")

    # CloudFormation cannot choose DeletionPolicy by condition without a transform, so this one
    # difference is decided at render time: prod keeps a final snapshot.
    deletion_policy: Literal["Snapshot", "Delete"] = "Delete"
    # The cluster's place in an Aurora global database; none renders the standalone cluster.
    global_database: GlobalRole = "none"
    # DeletionProtection on the cluster (and global cluster); Retain on the master secret and
    # the RDS log groups (tapstack_blocks.protection)
    protect_data: ProtectData = False
    # `none`: a headless cluster (a global database's secondary only: Aurora replicates the
    # storage without instances; they are added at failover, docs/operations.md).
    instances: Literal["writer_and_reader", "none"] = "writer_and_reader"

    @model_validator(mode="after")
    def _only_a_secondary_is_headless(self) -> "DatabaseOptions":
        if self.instances == "none" and self.global_database != "secondary":
            raise ValueError(
                "instances: none is only for global_database: secondary (a writer is needed "
                f"everywhere else); you gave global_database: {self.global_database!r}"
            )
        return self


def build(options: DatabaseOptions) -> Template:
    """The database stack's template."""
    template = Template(Description="tapstack database: Aurora MySQL cluster")
    add_environment_parameters(template)
    is_prod = add_is_prod_condition(template)
    log_days = log_retention_days(template)
    kms_key_arn = Ref(add_kms_key_arn_parameter(template))
    parameters = _add_parameters(template)
    placement = VpcPlacement(
        subnet_ids=Ref(parameters["PrivateSubnetIds"]),
        security_group_id=Ref(parameters["LambdaSecurityGroupId"]),
        kms_key_arn=kms_key_arn,
        log_retention_days=log_days,
    )
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
    if options.instances == "writer_and_reader":
        _add_instances(
            template, cluster, Ref(parameters["InstanceClass"]), instance_parameters, is_prod
        )
    else:
        # What the failover runbook adds instances with (docs/operations.md).
        add_exported_output(
            template,
            "InstanceClass",
            Ref(parameters["InstanceClass"]),
            "Class of the instances a failover adds to this headless cluster",
        )
    secret_arn = membership.secret_arn(cluster)
    add_connection_parameters(
        template,
        ConnectionFacts(
            endpoint=GetAtt(cluster, "Endpoint.Address"),
            port=GetAtt(cluster, "Endpoint.Port"),
            name=DATABASE_NAME,
            secret_arn=secret_arn,
        ),
        Ref(parameters["SecureParameterImageUri"]),
        placement,
    )
    add_default_group_lockdown(template, placement)
    if options.global_database == "none":
        template.add_resource(_writer_name_parameter(cluster))
    _add_outputs(template, cluster, secret_arn, membership.secret_kind)
    membership.finish(cluster)
    return template


def _add_subnet_group(template: Template, parameters: dict[str, Parameter]) -> DBSubnetGroup:
    return template.add_resource(
        DBSubnetGroup(
            "DatabaseSubnetGroup",
            DBSubnetGroupDescription="tapstack Aurora cluster: the private subnets",
            SubnetIds=Ref(parameters["PrivateSubnetIds"]),
            Tags=name_tags(resource_name("database")),
        )
    )


def _add_instances(template, cluster, instance_class, instance_parameters, is_prod) -> None:
    """The writer everywhere; a reader in a second AZ in prod only. Both are created at once:
    Aurora makes the instance with the lowest PromotionTier the writer, so the reader does not
    wait for the writer (docs/deploy-budget.md)."""
    monitoring_role = template.add_resource(_monitoring_role())
    for role, az_index, tier in (("Writer", 0, 0), ("Reader", 1, 1)):
        instance = DBInstance(
            f"{role}Instance",
            DBInstanceIdentifier=resource_name(f"aurora-{role.lower()}"),
            DBClusterIdentifier=Ref(cluster),
            Engine="aurora-mysql",
            DBInstanceClass=instance_class,
            DBParameterGroupName=Ref(instance_parameters),
            AvailabilityZone=Select(az_index, GetAZs(Ref("AWS::Region"))),
            PromotionTier=tier,
            PubliclyAccessible=False,
            AutoMinorVersionUpgrade=True,
            MonitoringInterval=ENHANCED_MONITORING_SECONDS,
            MonitoringRoleArn=GetAtt(monitoring_role, "Arn"),
            Tags=name_tags(resource_name(f"aurora-{role.lower()}")),
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
        add_suppressions(instance, guard=AURORA_INSTANCE)
        if role == "Reader":
            instance.Condition = is_prod
        template.add_resource(instance)


def _writer_name_parameter(cluster: DBCluster) -> SsmParameter:
    """`/tapstack/{env}/db/writer-dns`, the stable writer name the Lambdas connect through.

    A standalone cluster has nothing to fail over to, so its cluster endpoint is that name. An
    environment whose cluster is in a global database has Route 53 failover records instead,
    and the baseline StackSet publishes their name in each of its regions (one owner per
    parameter). A plain String like the baseline's: a host name, not a secret.
    """
    return SsmParameter(
        "WriterDnsParameter",
        Name=writer_dns_parameter(),
        Type="String",
        Value=GetAtt(cluster, "Endpoint.Address"),
        Description="Stable name of the database writer: the cluster endpoint (no failover)",
    )


def _monitoring_role() -> Role:
    """The role RDS enhanced monitoring publishes OS metrics with."""
    return Role(
        "EnhancedMonitoringRole",
        PermissionsBoundary=permissions_boundary_arn(),
        AssumeRolePolicyDocument=service_trust_policy("monitoring.rds.amazonaws.com"),
        ManagedPolicyArns=[aws_managed_policy_arn("service-role/AmazonRDSEnhancedMonitoringRole")],
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
        lambda_security_group_parameter(),
        image_uri_parameter("SecureParameterImageUri", "secure-parameter"),
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
        Parameter(
            "InstanceClass",
            Type="String",
            Default=DEFAULT_INSTANCE_CLASS,
            AllowedValues=INSTANCE_CLASSES,
            Description="Instance class of every instance: db.r5.large or larger, "
            "memory-optimised.",
            ConstraintDescription="must be db.r5.large or a larger memory-optimised class",
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
    return render("database", DatabaseOptions, build, sceptre_user_data)
