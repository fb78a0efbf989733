"""database stack: the environment's Aurora MySQL cluster.

Writer instance everywhere, a reader in a second AZ in prod; encrypted with the environment's
key; master credentials managed and rotated by RDS in Secrets Manager (no password in any
template, parameter or output); TLS required and the slow log on; IAM database auth; logs to
CloudWatch. The SSM SecureString connection parameters come with the secure_parameter custom
resource; a standalone cluster also publishes its endpoint as the environment's stable writer
name (`/tapstack/{env}/db/writer-dns`). In an Aurora global database (option
`global_database`: primary or secondary) the credentials differ; tapstack_blocks.global_database
says how.
"""

from typing import Literal

from awacs import kms, ssm
from awacs.aws import Allow, Statement
from pydantic import BaseModel, ConfigDict
from tapstack_blocks.aurora import (
    DEFAULT_ENGINE_VERSION,
    DEFAULT_INSTANCE_CLASS,
    ENGINE_VERSION_PATTERN,
    INSTANCE_CLASSES,
)
from tapstack_blocks.boundary import permissions_boundary_arn
from tapstack_blocks.custom_resources import SecureParameter
from tapstack_blocks.default_security_group import add_default_group_lockdown
from tapstack_blocks.functions import FunctionSpec, VpcPlacement, add_vpc_function, kms_statement
from tapstack_blocks.global_database import GlobalMembership, GlobalRole
from tapstack_blocks.handler import render
from tapstack_blocks.iam import service_trust_policy
from tapstack_blocks.images import image_uri_parameter
from tapstack_blocks.naming import (
    database_parameter_arn,
    database_parameter_name,
    resource_name,
    writer_dns_parameter,
)
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    IS_PROD,
    add_environment_parameters,
    add_is_prod_condition,
    add_kms_key_arn_parameter,
    lambda_security_group_parameter,
    private_subnet_ids_parameter,
)
from tapstack_blocks.protection import ProtectData
from tapstack_blocks.rds_logs import add_rds_log_groups
from tapstack_blocks.retention import backup_retention_days, log_retention_days
from tapstack_blocks.suppressions import AURORA_INSTANCE, add_suppressions, scanner_metadata
from tapstack_blocks.tags import name_tags
from troposphere import (
    Equals,
    GetAtt,
    GetAZs,
    If,
    Parameter,
    Ref,
    Select,
    Split,
    Sub,
    Template,
)
from troposphere.iam import Role
from troposphere.rds import (
    DBCluster,
    DBClusterParameterGroup,
    DBInstance,
    DBParameterGroup,
    DBSubnetGroup,
)
from troposphere.ssm import Parameter as SsmParameter

LOG_EXPORTS = ["audit", "error", "slowquery"]
AUDIT_EVENTS = "CONNECT,QUERY_DDL,QUERY_DCL"
AUDIT_EVENTS_PROD = f"{AUDIT_EVENTS},QUERY_DML"
IS_MYSQL_57 = "IsAuroraMySql2"
DATABASE_NAME = "tapstack"
MASTER_USERNAME = "tapstack_admin"
SLOW_QUERY_SECONDS = "1"
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


def build(options: DatabaseOptions) -> Template:
    """The database stack's template."""
    template = Template(Description="tapstack database: Aurora MySQL cluster")
    add_environment_parameters(template)
    is_prod = add_is_prod_condition(template)
    log_days = log_retention_days(template)
    kms_key_arn = Ref(add_kms_key_arn_parameter(template))
    parameters = _add_parameters(template)
    template.add_condition(
        IS_MYSQL_57, Equals(Select(0, Split(".", Ref(parameters["EngineVersion"]))), "5.7")
    )
    cluster_parameters, instance_parameters = _add_parameter_groups(template)
    subnet_group = template.add_resource(
        DBSubnetGroup(
            "DatabaseSubnetGroup",
            DBSubnetGroupDescription="tapstack Aurora cluster: the private subnets",
            SubnetIds=Ref(parameters["PrivateSubnetIds"]),
            Tags=name_tags(resource_name("database")),
        )
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
            DBSubnetGroupName=Ref(subnet_group),
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
    instance_class = Ref(parameters["InstanceClass"])
    monitoring_role = template.add_resource(_monitoring_role())
    for role, az_index in (("Writer", 0), ("Reader", 1)):
        instance = DBInstance(
            f"{role}Instance",
            DBInstanceIdentifier=resource_name(f"aurora-{role.lower()}"),
            DBClusterIdentifier=Ref(cluster),
            Engine="aurora-mysql",
            DBInstanceClass=instance_class,
            DBParameterGroupName=Ref(instance_parameters),
            AvailabilityZone=Select(az_index, GetAZs(Ref("AWS::Region"))),
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
            instance.DependsOn = ["WriterInstance"]
        template.add_resource(instance)
    secret_arn = membership.secret_arn(cluster)
    _add_connection_parameters(template, cluster, parameters, kms_key_arn, log_days, secret_arn)
    add_default_group_lockdown(
        template,
        VpcPlacement(
            subnet_ids=Ref(parameters["PrivateSubnetIds"]),
            security_group_id=Ref(parameters["LambdaSecurityGroupId"]),
            kms_key_arn=kms_key_arn,
            log_retention_days=log_days,
        ),
    )
    if options.global_database == "none":
        template.add_resource(_writer_name_parameter(cluster))
    _add_outputs(template, cluster, secret_arn, membership.secret_kind)
    membership.finish(cluster)
    return template


def _add_connection_parameters(
    template, cluster, parameters, kms_key_arn, log_days, secret_arn
) -> None:
    """Publish `/tapstack/{env}/db/*` as SecureString parameters under the environment key
    (AWS::SSM::Parameter cannot create SecureString, hence the custom resource)."""
    published = {
        "Endpoint": ("endpoint", GetAtt(cluster, "Endpoint.Address")),
        "Port": ("port", GetAtt(cluster, "Endpoint.Port")),
        "Name": ("name", DATABASE_NAME),
        "SecretArn": ("secret-arn", secret_arn),
    }
    # Exactly the parameters this stack owns: not writer-dns (its own resource, or the
    # baseline's) nor any other fact under /tapstack/{env}/db/ the validator trusts.
    parameter_arns = [database_parameter_arn(leaf) for leaf, _value in published.values()]
    function = add_vpc_function(
        template,
        FunctionSpec(
            logical_id="SecureParameterFunction",
            name="secure-parameter",
            description="Custom::SecureParameter: SSM SecureString parameters under the env key",
            handler="tapstack_secure_parameter.handler.handler",
            image_uri=Ref(parameters["SecureParameterImageUri"]),
            statements=[
                Statement(
                    Sid="ConnectionParameters",
                    Effect=Allow,
                    Action=[
                        ssm.PutParameter,
                        ssm.DeleteParameter,
                        ssm.AddTagsToResource,
                        ssm.RemoveTagsFromResource,
                    ],
                    Resource=parameter_arns,
                ),
                kms_statement(kms_key_arn, [kms.Encrypt, kms.GenerateDataKey]),
            ],
        ),
        VpcPlacement(
            subnet_ids=Ref(parameters["PrivateSubnetIds"]),
            security_group_id=Ref(parameters["LambdaSecurityGroupId"]),
            kms_key_arn=kms_key_arn,
            log_retention_days=log_days,
        ),
    )
    for label, (leaf, value) in published.items():
        template.add_resource(
            SecureParameter(
                f"{label}Parameter",
                ServiceToken=GetAtt(function, "Arn"),
                Name=database_parameter_name(leaf),
                Value=value,
                KmsKeyId=kms_key_arn,
                Description=f"tapstack database connection: {leaf}",
            )
        )


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
        ManagedPolicyArns=[
            Sub(
                "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
            )
        ],
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


def _add_parameter_groups(template: Template) -> tuple[DBClusterParameterGroup, DBParameterGroup]:
    family = If(IS_MYSQL_57, "aurora-mysql5.7", "aurora-mysql8.0")
    cluster_parameters = template.add_resource(
        DBClusterParameterGroup(
            "ClusterParameterGroup",
            Description="tapstack Aurora cluster: TLS required, slow log on",
            Family=family,
            Metadata=scanner_metadata(
                {
                    "RDS_STORAGE_ENCRYPTED": "The rule selects types matching "
                    "/AWS::RDS::DBCluster/, which includes this parameter group; a parameter "
                    "group stores no data (the cluster's StorageEncrypted covers the data).",
                }
            ),
            Parameters={
                "require_secure_transport": "ON",
                "slow_query_log": "1",
                "long_query_time": SLOW_QUERY_SECONDS,
                "server_audit_logging": "1",
                # prod also records every DML statement, SELECT included: who read or changed
                # cardholder data (accounts, transactions), PCI DSS 10.2.1 (docs/security.md)
                "server_audit_events": If(IS_PROD, AUDIT_EVENTS_PROD, AUDIT_EVENTS),
            },
        )
    )
    instance_parameters = template.add_resource(
        DBParameterGroup(
            "InstanceParameterGroup",
            Description="tapstack Aurora instances: slow log on",
            Family=family,
            Parameters={"slow_query_log": "1", "long_query_time": SLOW_QUERY_SECONDS},
        )
    )
    return cluster_parameters, instance_parameters


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
