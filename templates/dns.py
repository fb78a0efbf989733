"""dns stack (prod/us-east-1): the database writer's stable name and its failover records.

A private hosted zone (`{env}.tapstack.internal`) associated with the environment's VPC in
each region; `writer.db.{env}.tapstack.internal` is a failover CNAME: PRIMARY is the writer
endpoint of the primary region's cluster, guarded by a health check, SECONDARY the cluster
endpoint of the secondary region (the Aurora global database's secondary, writable once
promoted). Route 53 health checkers cannot reach private addresses, so the health check follows
a CloudWatch alarm: the primary cluster has a writer (EngineUptime of its WRITER role; missing
data, as when the cluster has no writer after a global failover, counts as unhealthy). Lambdas
never use an endpoint directly: they read the name from SSM (`/tapstack/{env}/db/writer-dns`,
published in every region by the baseline StackSet).
"""

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.handler import render
from tapstack_blocks.naming import private_zone_name, resource_name, writer_dns_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters
from tapstack_blocks.suppressions import scanner_metadata
from tapstack_blocks.tags import name_tags
from troposphere import GetAtt, Parameter, Ref, Template
from troposphere.cloudwatch import Alarm, MetricDimension
from troposphere.route53 import (
    AlarmIdentifier,
    HealthCheck,
    HealthCheckConfig,
    HostedZone,
    HostedZoneConfiguration,
    HostedZoneVPCs,
    RecordSetType,
)

REGION_PATTERN = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"
HOSTNAME_PATTERN = r"^[a-z0-9][a-z0-9.-]{0,252}[a-z0-9]$"
VPC_ID_PATTERN = r"^vpc-[0-9a-f]{8,17}$"
CLUSTER_ID_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
RECORD_TTL_SECONDS = 30  # clients follow a failover within ~30 s of the health check flipping
ALARM_PERIOD_SECONDS = 60
ALARM_EVALUATION_PERIODS = 3


class DnsOptions(BaseModel):
    """The dns template takes no sceptre_user_data; anything given is an error."""

    model_config = ConfigDict(extra="forbid")


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = []
    for role in ("Primary", "Secondary"):
        specs += [
            Parameter(
                f"{role}Region",
                Type="String",
                AllowedPattern=REGION_PATTERN,
                Description=f"The {role.lower()} region of the environment.",
                ConstraintDescription="must be an AWS region name",
            ),
            Parameter(
                f"{role}VpcId",
                # A plain string: AWS::EC2::VPC::Id is checked in this stack's region only.
                Type="String",
                AllowedPattern=VPC_ID_PATTERN,
                Description=f"The VPC of the {role.lower()} region (its network stack).",
                ConstraintDescription="must be a VPC id",
            ),
            Parameter(
                f"{role}WriterEndpoint",
                Type="String",
                AllowedPattern=HOSTNAME_PATTERN,
                Description=f"Cluster (writer) endpoint of the {role.lower()} region's Aurora "
                "cluster (its cluster stack).",
                ConstraintDescription="must be a DNS host name",
            ),
        ]
    specs.append(
        Parameter(
            "PrimaryClusterIdentifier",
            Type="String",
            AllowedPattern=CLUSTER_ID_PATTERN,
            Description="Identifier of the primary region's Aurora cluster (health check alarm).",
            ConstraintDescription="must be a DB cluster identifier",
        )
    )
    return {spec.title: template.add_parameter(spec) for spec in specs}


def build(_options: DnsOptions) -> Template:
    """The dns stack's template."""
    template = Template(
        Description="tapstack global: private hosted zone, writer failover records, health check"
    )
    add_environment_parameters(template)
    parameters = _add_parameters(template)
    zone = template.add_resource(
        HostedZone(
            "PrivateZone",
            Name=private_zone_name(),
            HostedZoneConfig=HostedZoneConfiguration(
                Comment="tapstack: private names of the environment's databases"
            ),
            VPCs=[
                HostedZoneVPCs(
                    VPCId=Ref(parameters[f"{role}VpcId"]),
                    VPCRegion=Ref(parameters[f"{role}Region"]),
                )
                for role in ("Primary", "Secondary")
            ],
        )
    )
    alarm = template.add_resource(
        Alarm(
            "PrimaryWriterAlarm",
            AlarmName=resource_name("primary-writer-down"),
            AlarmDescription="The primary region's Aurora cluster has no available writer: "
            "Route 53 fails the writer name over to the secondary region.",
            Namespace="AWS/RDS",
            MetricName="EngineUptime",
            Dimensions=[
                MetricDimension(
                    Name="DBClusterIdentifier", Value=Ref(parameters["PrimaryClusterIdentifier"])
                ),
                MetricDimension(Name="Role", Value="WRITER"),
            ],
            Statistic="Minimum",
            Period=ALARM_PERIOD_SECONDS,
            EvaluationPeriods=ALARM_EVALUATION_PERIODS,
            Threshold=0,
            ComparisonOperator="LessThanOrEqualToThreshold",
            TreatMissingData="breaching",
            Metadata=scanner_metadata(
                {
                    "CLOUDWATCH_ALARM_ACTION_CHECK": "Its consumer is the Route 53 health "
                    "check that reads its state (PrimaryWriterHealthCheck) and fails the "
                    "writer name over; the regional stacks' alarms notify people.",
                }
            ),
        )
    )
    health_check = template.add_resource(
        HealthCheck(
            "PrimaryWriterHealthCheck",
            HealthCheckConfig=HealthCheckConfig(
                Type="CLOUDWATCH_METRIC",
                AlarmIdentifier=AlarmIdentifier(
                    Name=Ref(alarm), Region=Ref(parameters["PrimaryRegion"])
                ),
                InsufficientDataHealthStatus="Unhealthy",
            ),
            HealthCheckTags=name_tags(resource_name("primary-writer")),
        )
    )
    for role, failover in (("Primary", "PRIMARY"), ("Secondary", "SECONDARY")):
        record = RecordSetType(
            f"{role}WriterRecord",
            HostedZoneId=Ref(zone),
            Name=writer_dns_name(),
            Type="CNAME",
            TTL=str(RECORD_TTL_SECONDS),
            SetIdentifier=Ref(parameters[f"{role}Region"]),
            Failover=failover,
            ResourceRecords=[Ref(parameters[f"{role}WriterEndpoint"])],
        )
        if role == "Primary":
            record.HealthCheckId = Ref(health_check)
        template.add_resource(record)
    add_exported_output(template, "PrivateZoneId", Ref(zone), "The private hosted zone")
    add_exported_output(
        template, "WriterDnsName", writer_dns_name(), "Stable name of the database writer"
    )
    add_exported_output(
        template, "WriterHealthCheckId", Ref(health_check), "Health check of the primary writer"
    )
    add_exported_output(
        template, "PrimaryWriterAlarmArn", GetAtt(alarm, "Arn"), "Alarm behind the health check"
    )
    return template


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("dns", DnsOptions, build, sceptre_user_data)
