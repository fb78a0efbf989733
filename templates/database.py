"""database stack: the environment's Aurora MySQL cluster.

Writer instance everywhere, a reader in a second AZ in prod; encrypted with the environment's
key; master credentials managed and rotated by RDS in Secrets Manager (no password in any
template, parameter or output); TLS required and the slow log on; IAM database auth; logs to
CloudWatch. The SSM SecureString connection parameters come with the secure_parameter custom
resource.

Aurora global database (parameter GlobalDatabaseRole): `primary` adds the AWS::RDS::GlobalCluster
and puts this cluster in it; `secondary` joins the global cluster named by
GlobalClusterIdentifier as a read-only cluster with no credentials of its own. RDS cannot manage
the master password of a global-database member, so members take it from a Secrets Manager
secret generated here (primary; replicated to the secondary regions) through a dynamic
reference: still no password in any template, parameter or output. `none` (the default) renders
exactly the standalone cluster.
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
from tapstack_blocks.custom_resources import SecureParameter
from tapstack_blocks.functions import FunctionSpec, VpcPlacement, add_vpc_function, kms_statement
from tapstack_blocks.handler import render
from tapstack_blocks.iam import service_trust_policy
from tapstack_blocks.naming import resource_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    KMS_KEY_ARN_PATTERN,
    add_environment_parameters,
    add_is_prod_condition,
    add_kms_key_arn_parameter,
)
from tapstack_blocks.tags import name_tags
from troposphere import (
    Equals,
    GetAtt,
    GetAZs,
    If,
    Join,
    Not,
    NoValue,
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
    GlobalCluster,
    MasterUserSecret,
)
from troposphere.secretsmanager import (
    GenerateSecretString,
    ReplicaRegion,
    Secret,
    SecretTargetAttachment,
)

BACKUP_RETENTION_DAYS = {"prod": 30, "other": 7}
LOG_EXPORTS = ["audit", "error", "slowquery"]
IS_MYSQL_57 = "IsAuroraMySql2"
DATABASE_NAME = "tapstack"
MASTER_USERNAME = "tapstack_admin"
SLOW_QUERY_SECONDS = "1"
ENHANCED_MONITORING_SECONDS = 60
GLOBAL_ROLES = ("none", "primary", "secondary")
IS_GLOBAL_PRIMARY = "IsGlobalPrimary"
IS_GLOBAL_SECONDARY = "IsGlobalSecondary"
IS_STANDALONE = "IsStandaloneCluster"
HAS_SECONDARY_KEY = "HasSecondaryRegionKey"
GLOBAL_CLUSTER_ID_PATTERN = r"^([a-z][a-z0-9-]{0,62})?$"
# Characters the master password leaves out: those MySQL clients and DSNs trip over.
EXCLUDED_CHARACTERS = "\"'@/\\`%:;?&=+#$ "
PASSWORD_LENGTH = 32


class DatabaseOptions(BaseModel):
    """What the database template is told through sceptre_user_data."""

    model_config = ConfigDict(extra="forbid")

    # CloudFormation cannot choose DeletionPolicy by condition without a transform, so this one
    # difference is decided at render time: prod keeps a final snapshot.
    deletion_policy: Literal["Snapshot", "Delete"] = "Delete"


def build(options: DatabaseOptions) -> Template:
    """The database stack's template."""
    template = Template(Description="tapstack database: Aurora MySQL cluster")
    add_environment_parameters(template)
    is_prod = add_is_prod_condition(template)
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
    global_database = _add_global_database(template, parameters, kms_key_arn)
    cluster = template.add_resource(
        DBCluster(
            "DatabaseCluster",
            DBClusterIdentifier=resource_name("aurora"),
            Engine="aurora-mysql",
            EngineVersion=Ref(parameters["EngineVersion"]),
            **global_database.cluster_properties(),
            StorageEncrypted=True,
            KmsKeyId=kms_key_arn,
            DBSubnetGroupName=Ref(subnet_group),
            VpcSecurityGroupIds=[Ref(parameters["DatabaseSecurityGroupId"])],
            DBClusterParameterGroupName=Ref(cluster_parameters),
            BackupRetentionPeriod=If(
                is_prod, BACKUP_RETENTION_DAYS["prod"], BACKUP_RETENTION_DAYS["other"]
            ),
            CopyTagsToSnapshot=True,
            DeletionProtection=False,
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
        if role == "Reader":
            instance.Condition = is_prod
            instance.DependsOn = ["WriterInstance"]
        template.add_resource(instance)
    global_database.attach_secret(template, cluster)
    _add_connection_parameters(
        template, cluster, parameters, kms_key_arn, is_prod, global_database.secret_arn(cluster)
    )
    _add_outputs(template, cluster, global_database)
    return template


class GlobalDatabase:
    """The cluster's place in an Aurora global database (GlobalDatabaseRole) and what follows:
    the GlobalCluster (primary), the credentials (RDS-managed when standalone, a generated and
    replicated secret for members, none of its own for a secondary)."""

    def __init__(self, template: Template, parameters: dict, kms_key_arn) -> None:
        self.role = Ref(parameters["GlobalDatabaseRole"])
        self.global_cluster = None
        self.secret = None
        self._parameters = parameters
        self._kms_key_arn = kms_key_arn

    def add(self, template: Template) -> "GlobalDatabase":
        """Conditions, the GlobalCluster (primary) and the members' master secret."""
        template.add_condition(IS_GLOBAL_PRIMARY, Equals(self.role, "primary"))
        template.add_condition(IS_GLOBAL_SECONDARY, Equals(self.role, "secondary"))
        template.add_condition(IS_STANDALONE, Equals(self.role, "none"))
        template.add_condition(
            HAS_SECONDARY_KEY, Not(Equals(Ref(self._parameters["SecondaryKmsKeyArn"]), ""))
        )
        parameters = self._parameters
        self.global_cluster = template.add_resource(
            GlobalCluster(
                "GlobalDatabase",
                Condition=IS_GLOBAL_PRIMARY,
                GlobalClusterIdentifier=resource_name("aurora-global"),
                Engine="aurora-mysql",
                EngineVersion=Ref(parameters["EngineVersion"]),
                StorageEncrypted=True,
                DeletionProtection=False,
                DeletionPolicy="Delete",
                UpdateReplacePolicy="Delete",
            )
        )
        self.secret = template.add_resource(
            Secret(
                "GlobalMasterSecret",
                Condition=IS_GLOBAL_PRIMARY,
                Name=Sub("tapstack/${EnvironmentName}/${EnvironmentSuffix}/aurora-master"),
                Description="Master credentials of the Aurora global database (RDS cannot "
                "manage them for global-database members)",
                KmsKeyId=self._kms_key_arn,
                GenerateSecretString=GenerateSecretString(
                    SecretStringTemplate=f'{{"username": "{MASTER_USERNAME}"}}',
                    GenerateStringKey="password",
                    PasswordLength=PASSWORD_LENGTH,
                    ExcludeCharacters=EXCLUDED_CHARACTERS,
                ),
                ReplicaRegions=If(
                    HAS_SECONDARY_KEY,
                    [
                        ReplicaRegion(
                            Region=Ref(parameters["SecondaryRegion"]),
                            KmsKeyId=Ref(parameters["SecondaryKmsKeyArn"]),
                        )
                    ],
                    NoValue,
                ),
                Tags=name_tags(resource_name("aurora-master")),
                DeletionPolicy="Delete",
                UpdateReplacePolicy="Delete",
            )
        )
        return self

    def cluster_properties(self) -> dict:
        """DBCluster properties that depend on the cluster's global role."""
        master_password = Sub(
            "{{resolve:secretsmanager:${Secret}:SecretString:password}}",
            Secret=Ref(self.secret),
        )
        return {
            "GlobalClusterIdentifier": If(
                IS_GLOBAL_PRIMARY,
                Ref(self.global_cluster),
                If(IS_GLOBAL_SECONDARY, Ref(self._parameters["GlobalClusterIdentifier"]), NoValue),
            ),
            # A secondary inherits database, user and password from the primary.
            "DatabaseName": If(IS_GLOBAL_SECONDARY, NoValue, DATABASE_NAME),
            "MasterUsername": If(IS_GLOBAL_SECONDARY, NoValue, MASTER_USERNAME),
            "ManageMasterUserPassword": If(IS_STANDALONE, True, NoValue),
            "MasterUserSecret": If(
                IS_STANDALONE, MasterUserSecret(KmsKeyId=self._kms_key_arn), NoValue
            ),
            "MasterUserPassword": If(IS_GLOBAL_PRIMARY, master_password, NoValue),
        }

    def attach_secret(self, template: Template, cluster: DBCluster) -> None:
        """Record the primary cluster's host and port in its secret (as RDS does for its own)."""
        template.add_resource(
            SecretTargetAttachment(
                "GlobalMasterSecretAttachment",
                Condition=IS_GLOBAL_PRIMARY,
                SecretId=Ref(self.secret),
                TargetId=Ref(cluster),
                TargetType="AWS::RDS::DBCluster",
            )
        )

    def secret_arn(self, cluster: DBCluster):
        """The master secret's ARN in this region: RDS's own, the generated one, or (secondary)
        the replica of the primary's secret, which keeps name and suffix in every region."""
        replica_arn = Join(
            ":",
            [
                "arn",
                Ref("AWS::Partition"),
                "secretsmanager",
                Ref("AWS::Region"),
                Ref("AWS::AccountId"),
                "secret",
                Select(6, Split(":", Ref(self._parameters["PrimaryMasterSecretArn"]))),
            ],
        )
        return If(
            IS_STANDALONE,
            GetAtt(cluster, "MasterUserSecret.SecretArn"),
            If(IS_GLOBAL_PRIMARY, Ref(self.secret), replica_arn),
        )


def _add_global_database(template: Template, parameters: dict, kms_key_arn) -> GlobalDatabase:
    return GlobalDatabase(template, parameters, kms_key_arn).add(template)


def _add_connection_parameters(
    template, cluster, parameters, kms_key_arn, is_prod, secret_arn
) -> None:
    """Publish `/tapstack/{env}/db/*` as SecureString parameters under the environment key
    (AWS::SSM::Parameter cannot create SecureString, hence the custom resource)."""
    parameter_arns = Sub(
        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
        "/tapstack/${EnvironmentName}/db/*"
    )
    function = add_vpc_function(
        template,
        FunctionSpec(
            logical_id="SecureParameterFunction",
            name="secure-parameter",
            description="Custom::SecureParameter: SSM SecureString parameters under the env key",
            handler="tapstack_secure_parameter.handler.handler",
            code_key=Ref(parameters["SecureParameterCodeKey"]),
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
                    Resource=[parameter_arns],
                ),
                kms_statement(kms_key_arn, [kms.Encrypt, kms.GenerateDataKey]),
            ],
        ),
        VpcPlacement(
            subnet_ids=Ref(parameters["PrivateSubnetIds"]),
            security_group_id=Ref(parameters["LambdaSecurityGroupId"]),
            kms_key_arn=kms_key_arn,
            code_bucket=Ref(parameters["CodeBucketName"]),
            is_prod=is_prod,
        ),
    )
    published = {
        "Endpoint": ("endpoint", GetAtt(cluster, "Endpoint.Address")),
        "Port": ("port", GetAtt(cluster, "Endpoint.Port")),
        "Name": ("name", DATABASE_NAME),
        "SecretArn": ("secret-arn", secret_arn),
    }
    for label, (leaf, value) in published.items():
        template.add_resource(
            SecureParameter(
                f"{label}Parameter",
                ServiceToken=GetAtt(function, "Arn"),
                Name=Sub(f"/tapstack/${{EnvironmentName}}/db/{leaf}"),
                Value=value,
                KmsKeyId=kms_key_arn,
                Description=f"tapstack database connection: {leaf}",
            )
        )


def _monitoring_role() -> Role:
    """The role RDS enhanced monitoring publishes OS metrics with."""
    return Role(
        "EnhancedMonitoringRole",
        AssumeRolePolicyDocument=service_trust_policy("monitoring.rds.amazonaws.com"),
        ManagedPolicyArns=[
            Sub(
                "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
            )
        ],
    )


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        Parameter(
            "PrivateSubnetIds",
            Type="List<AWS::EC2::Subnet::Id>",
            Description="The private subnets (network stack), one per AZ.",
            ConstraintDescription="must be subnet ids of the environment's VPC",
        ),
        Parameter(
            "DatabaseSecurityGroupId",
            Type="AWS::EC2::SecurityGroup::Id",
            Description="The database tier security group (network stack): 3306 from Lambdas.",
            ConstraintDescription="must be a security group id",
        ),
        Parameter(
            "LambdaSecurityGroupId",
            Type="AWS::EC2::SecurityGroup::Id",
            Description="The Lambda tier security group (network stack).",
            ConstraintDescription="must be a security group id",
        ),
        Parameter(
            "CodeBucketName",
            Type="String",
            AllowedPattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
            Description="Bucket holding Lambda packages (the migration bucket, storage stack).",
            ConstraintDescription="must be an S3 bucket name",
        ),
        Parameter(
            "SecureParameterCodeKey",
            Type="String",
            AllowedPattern=r"^lambda/tapstack-secure-parameter/[0-9a-f]{64}\.zip$",
            Description="S3 key of the secure_parameter package (set by !upload_lambda_package).",
            ConstraintDescription="must be lambda/tapstack-secure-parameter/<sha256>.zip",
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
        Parameter(
            "InstanceClass",
            Type="String",
            Default=DEFAULT_INSTANCE_CLASS,
            AllowedValues=INSTANCE_CLASSES,
            Description="Instance class of every instance: db.r5.large or larger, "
            "memory-optimised.",
            ConstraintDescription="must be db.r5.large or a larger memory-optimised class",
        ),
        *_global_database_parameters(),
    ]
    return {spec.title: template.add_parameter(spec) for spec in specs}


def _global_database_parameters() -> list[Parameter]:
    """Parameters of the cluster's place in an Aurora global database; the defaults render a
    standalone cluster."""
    return [
        Parameter(
            "GlobalDatabaseRole",
            Type="String",
            Default="none",
            AllowedValues=list(GLOBAL_ROLES),
            Description="none: a standalone cluster; primary: create the Aurora global database "
            "around this cluster; secondary: join GlobalClusterIdentifier read-only.",
            ConstraintDescription=f"must be one of {', '.join(GLOBAL_ROLES)}",
        ),
        Parameter(
            "GlobalClusterIdentifier",
            Type="String",
            Default="",
            AllowedPattern=GLOBAL_CLUSTER_ID_PATTERN,
            Description="secondary: the global database to join (the primary's database stack "
            "output GlobalClusterIdentifier).",
            ConstraintDescription="must be empty or a global cluster identifier",
        ),
        Parameter(
            "PrimaryMasterSecretArn",
            Type="String",
            Default="",
            AllowedPattern=r"^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+)?$",
            Description="secondary: the primary's master secret ARN (its MasterSecretArn "
            "output); its replica in this region holds the credentials after a failover.",
            ConstraintDescription="must be empty or a Secrets Manager secret ARN",
        ),
        Parameter(
            "SecondaryRegion",
            Type="String",
            Default="eu-west-1",
            AllowedPattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$",
            Description="primary: the region the master secret is replicated to.",
            ConstraintDescription="must be an AWS region name",
        ),
        Parameter(
            "SecondaryKmsKeyArn",
            Type="String",
            Default="",
            AllowedPattern=f"^({KMS_KEY_ARN_PATTERN.strip('^$')})?$",
            Description="primary: the secondary region's environment key, which encrypts the "
            "replica of the master secret.",
            ConstraintDescription="must be empty or the ARN of a KMS key",
        ),
    ]


def _add_parameter_groups(template: Template) -> tuple[DBClusterParameterGroup, DBParameterGroup]:
    family = If(IS_MYSQL_57, "aurora-mysql5.7", "aurora-mysql8.0")
    cluster_parameters = template.add_resource(
        DBClusterParameterGroup(
            "ClusterParameterGroup",
            Description="tapstack Aurora cluster: TLS required, slow log on",
            Family=family,
            Parameters={
                "require_secure_transport": "ON",
                "slow_query_log": "1",
                "long_query_time": SLOW_QUERY_SECONDS,
                "server_audit_logging": "1",
                "server_audit_events": "CONNECT,QUERY_DDL,QUERY_DCL",
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


def _add_outputs(template: Template, cluster: DBCluster, global_database: GlobalDatabase) -> None:
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
        global_database.secret_arn(cluster),
        "ARN of the master secret (the ARN only, never the password)",
    )
    add_exported_output(
        template,
        "GlobalClusterIdentifier",
        Ref(global_database.global_cluster),
        "Identifier of the Aurora global database this cluster is the primary of",
        condition=IS_GLOBAL_PRIMARY,
    )
    add_exported_output(template, "DatabaseName", DATABASE_NAME, "Schema name")


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("database", DatabaseOptions, build, sceptre_user_data)
