"""database stack: the instances of the environment's Aurora cluster, and what needs them.

The cluster itself is the cluster stack's (templates/cluster.py); this stack takes its facts as
parameters. Writer instance everywhere, a reader in a second AZ in prod, both created at once
(PromotionTier 0 makes the writer, 1 the reader: no instance waits for another); a global
database's secondary may be headless (option `instances: none`: the cluster replicates storage
with no instance; docs/operations.md says when and how instances are added). The SSM
SecureString connection parameters come with the secure_parameter custom resource; a standalone
cluster also publishes its endpoint as the environment's stable writer name
(`/tapstack/{env}/db/writer-dns`). The stacks that need a running writer (migrations) wait for
this one; everything else that needs only the cluster waits for the cluster stack.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator
from tapstack_blocks.cluster_facts import add_cluster_fact_parameters
from tapstack_blocks.connection_parameters import ConnectionFacts, add_connection_parameters
from tapstack_blocks.default_security_group import add_default_group_lockdown
from tapstack_blocks.functions import VpcPlacement
from tapstack_blocks.global_database import GlobalRole
from tapstack_blocks.handler import render
from tapstack_blocks.images import image_uri_parameter
from tapstack_blocks.naming import resource_name, writer_dns_parameter
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    add_environment_parameters,
    add_is_prod_condition,
    add_kms_key_arn_parameter,
    lambda_security_group_parameter,
    private_subnet_ids_parameter,
)
from tapstack_blocks.retention import log_retention_days
from tapstack_blocks.suppressions import AURORA_INSTANCE, add_suppressions
from tapstack_blocks.tags import name_tags
from tapstack_environment.aurora import DEFAULT_INSTANCE_CLASS, INSTANCE_CLASSES
from troposphere import GetAZs, Parameter, Ref, Select, Template
from troposphere.rds import DBInstance
from troposphere.ssm import Parameter as SsmParameter

ENHANCED_MONITORING_SECONDS = 60
ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]+$"
PARAMETER_GROUP_PATTERN = r"^[a-zA-Z][a-zA-Z0-9-]{0,254}$"


class DatabaseOptions(BaseModel):
    """What the database template is told through sceptre_user_data."""

    model_config = ConfigDict(extra="forbid")

    # The cluster's place in an Aurora global database (the cluster stack's option of the same
    # name): a standalone cluster's endpoint is the writer name; only a secondary is headless.
    global_database: GlobalRole = "none"
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
    template = Template(Description="tapstack database: Aurora MySQL instances")
    add_environment_parameters(template)
    kms_key_arn = Ref(add_kms_key_arn_parameter(template))
    headless = options.instances == "none"
    parameters = _add_parameters(template, headless)
    facts = add_cluster_fact_parameters(
        template,
        *(() if headless else ("ClusterIdentifier",)),
        "DatabaseEndpoint",
        "DatabasePort",
        "DatabaseName",
        "MasterSecretArn",
    )
    placement = VpcPlacement(
        subnet_ids=Ref(parameters["PrivateSubnetIds"]),
        security_group_id=Ref(parameters["LambdaSecurityGroupId"]),
        kms_key_arn=kms_key_arn,
        log_retention_days=log_retention_days(template),
    )
    if not headless:
        is_prod = add_is_prod_condition(template)
        _add_instances(template, parameters, Ref(facts["ClusterIdentifier"]), is_prod)
    else:
        # What the failover runbook adds instances with (docs/operations.md).
        add_exported_output(
            template,
            "InstanceClass",
            Ref(parameters["InstanceClass"]),
            "Class of the instances a failover adds to this headless cluster",
        )
    add_connection_parameters(
        template,
        ConnectionFacts(
            endpoint=Ref(facts["DatabaseEndpoint"]),
            port=Ref(facts["DatabasePort"]),
            name=Ref(facts["DatabaseName"]),
            secret_arn=Ref(facts["MasterSecretArn"]),
        ),
        Ref(parameters["SecureParameterImageUri"]),
        placement,
    )
    add_default_group_lockdown(template, placement)
    if options.global_database == "none":
        template.add_resource(_writer_name_parameter(Ref(facts["DatabaseEndpoint"])))
    return template


def _add_instances(template, parameters, cluster_identifier, is_prod) -> None:
    """The writer everywhere; a reader in a second AZ in prod only. Both are created at once:
    Aurora makes the instance with the lowest PromotionTier the writer, so the reader does not
    wait for the writer (docs/deploy-budget.md)."""
    for role, az_index, tier in (("Writer", 0, 0), ("Reader", 1, 1)):
        instance = DBInstance(
            f"{role}Instance",
            DBInstanceIdentifier=resource_name(f"aurora-{role.lower()}"),
            DBClusterIdentifier=cluster_identifier,
            Engine="aurora-mysql",
            DBInstanceClass=Ref(parameters["InstanceClass"]),
            DBParameterGroupName=Ref(parameters["InstanceParameterGroupName"]),
            AvailabilityZone=Select(az_index, GetAZs(Ref("AWS::Region"))),
            PromotionTier=tier,
            PubliclyAccessible=False,
            AutoMinorVersionUpgrade=True,
            MonitoringInterval=ENHANCED_MONITORING_SECONDS,
            MonitoringRoleArn=Ref(parameters["MonitoringRoleArn"]),
            Tags=name_tags(resource_name(f"aurora-{role.lower()}")),
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
        add_suppressions(instance, guard=AURORA_INSTANCE)
        if role == "Reader":
            instance.Condition = is_prod
        template.add_resource(instance)
        add_exported_output(
            template,
            f"{role}InstanceIdentifier",
            Ref(instance),
            f"The cluster's {role.lower()} instance (PromotionTier {tier})",
            condition=is_prod if role == "Reader" else None,
        )


def _writer_name_parameter(endpoint: Ref) -> SsmParameter:
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
        Value=endpoint,
        Description="Stable name of the database writer: the cluster endpoint (no failover)",
    )


def _add_parameters(template: Template, headless: bool) -> dict[str, Parameter]:
    instance_parameters = [
        Parameter(
            "MonitoringRoleArn",
            Type="String",
            AllowedPattern=ROLE_ARN_PATTERN,
            Description="The role RDS enhanced monitoring publishes with (cluster stack).",
            ConstraintDescription="must be an IAM role ARN",
        ),
        Parameter(
            "InstanceParameterGroupName",
            Type="String",
            AllowedPattern=PARAMETER_GROUP_PATTERN,
            Description="Parameter group of the instances (cluster stack: the engine "
            "version's family).",
            ConstraintDescription="must be a DB parameter group name",
        ),
    ]
    specs = [
        private_subnet_ids_parameter(),
        lambda_security_group_parameter(),
        image_uri_parameter("SecureParameterImageUri", "secure-parameter"),
        *(() if headless else instance_parameters),
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


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("database", DatabaseOptions, build, sceptre_user_data)
