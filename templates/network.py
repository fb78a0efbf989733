"""network stack: a private VPC with no route to the internet.

One private subnet per AZ (CIDRs sliced from the VPC CIDR), a route table per subnet, one NACL,
a security group per tier (endpoints, Lambda, database) and the S3 gateway endpoint. The
interface endpoints, through which Lambdas reach the other AWS APIs without a NAT, are the
endpoints stack's (templates/endpoints.py): in this VPC, its subnets and its Endpoint group.
VPC flow logs go to a KMS-encrypted log group. No internet gateway, no NAT, no public subnet.
"""

from awacs import logs
from pydantic import BaseModel, ConfigDict
from tapstack_blocks.delivered_logs import LogDelivery, LogStorage, add_delivered_log_group
from tapstack_blocks.gateway_endpoint import add_s3_gateway_endpoint
from tapstack_blocks.handler import render
from tapstack_blocks.iam import service_trust_policy
from tapstack_blocks.naming import resource_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    add_environment_parameters,
    add_kms_key_arn_parameter,
)
from tapstack_blocks.private_network_rules import TIER_RULES, nacl_entries
from tapstack_blocks.protection import ProtectData
from tapstack_blocks.retention import audit_log_retention_days
from tapstack_blocks.security_groups import NO_EGRESS, add_tcp_rules
from tapstack_blocks.subnets import (
    HAS_THIRD_AZ,
    MAX_AZS,
    add_private_subnets,
    add_third_az_condition,
    per_az,
)
from tapstack_blocks.tags import name_tags
from troposphere import GetAtt, Join, Parameter, Ref, Template
from troposphere.ec2 import (
    VPC,
    FlowLog,
    NetworkAcl,
    NetworkAclEntry,
    RouteTable,
    SecurityGroup,
    SubnetNetworkAclAssociation,
    SubnetRouteTableAssociation,
)


class NetworkOptions(BaseModel):
    """What the network template may be told through sceptre_user_data."""

    model_config = ConfigDict(extra="forbid")

    protect_data: ProtectData = False  # Retain the flow logs (tapstack_blocks.protection)


def build(options: NetworkOptions) -> Template:
    """The network stack's template."""
    template = Template(Description="tapstack network: private VPC, S3 gateway, NACLs, groups")
    add_environment_parameters(template)
    kms_key_arn = Ref(add_kms_key_arn_parameter(template))
    vpc_cidr, az_count = _add_network_parameters(template)
    add_third_az_condition(template, Ref(az_count))

    vpc = template.add_resource(
        VPC(
            "Vpc",
            CidrBlock=Ref(vpc_cidr),
            EnableDnsSupport=True,
            EnableDnsHostnames=True,
            Tags=name_tags(resource_name("vpc")),
        )
    )
    subnets = add_private_subnets(template, Ref(vpc), Ref(vpc_cidr))
    route_tables = _add_route_tables(template, vpc, subnets)
    acl = _add_network_acl(template, vpc, subnets, Ref(vpc_cidr))
    groups = _add_security_groups(template, vpc, _add_s3_prefix_list_parameter(template))
    add_s3_gateway_endpoint(template, Ref(vpc), route_tables)
    _add_flow_logs(template, vpc, kms_key_arn, audit_log_retention_days(template), options)
    _add_outputs(template, vpc, subnets, route_tables, groups)
    add_exported_output(template, "PrivateNetworkAclId", Ref(acl), "Private subnets' NACL id")
    add_exported_output(
        template,
        "DefaultSecurityGroupId",
        GetAtt(vpc, "DefaultSecurityGroup"),
        "The VPC's default security group (left with no rules by the database stack)",
    )
    return template


def _add_s3_prefix_list_parameter(template: Template) -> Ref:
    """The S3 managed prefix list: the Lambda tier's egress to S3."""
    prefix_list = template.add_parameter(
        Parameter(
            "S3PrefixListId",
            Type="String",
            AllowedPattern=r"^pl-[0-9a-f]{8,17}$",
            Description="The region's AWS-managed S3 prefix list (com.amazonaws.REGION.s3; "
            "!managed_prefix_list s3): the only destination of the Lambda tier's HTTPS to S3.",
            ConstraintDescription="must be a prefix list id such as pl-63a5400a",
        )
    )
    return Ref(prefix_list)


def _add_network_parameters(template: Template) -> tuple[Parameter, Parameter]:
    vpc_cidr = template.add_parameter(
        Parameter(
            "VpcCidr",
            Type="String",
            AllowedPattern=r"^(10|172|192)\.\d{1,3}\.0\.0/16$",
            Description="The environment's VPC CIDR from the address plan in config/config.yaml.",
            ConstraintDescription="must be a private /16 such as 10.1.0.0/16",
        )
    )
    az_count = template.add_parameter(
        Parameter(
            "AzCount",
            Type="String",
            AllowedValues=["2", "3"],
            Description="Number of availability zones (one private subnet in each).",
            ConstraintDescription="must be 2 or 3",
        )
    )
    return vpc_cidr, az_count


def _add_route_tables(template, vpc, subnets) -> list[RouteTable]:
    route_tables = []
    for index, subnet in enumerate(subnets, start=1):
        table = RouteTable(
            f"PrivateRouteTable{index}",
            VpcId=Ref(vpc),
            Tags=name_tags(resource_name(f"private-{index}")),
        )
        association = SubnetRouteTableAssociation(
            f"PrivateRouteTable{index}Association",
            RouteTableId=Ref(table),
            SubnetId=Ref(subnet),
        )
        if index == MAX_AZS:
            table.Condition = association.Condition = HAS_THIRD_AZ
        route_tables.append(template.add_resource(table))
        template.add_resource(association)
    return route_tables


def _add_network_acl(template, vpc, subnets, vpc_cidr) -> NetworkAcl:
    acl = template.add_resource(
        NetworkAcl("PrivateNetworkAcl", VpcId=Ref(vpc), Tags=name_tags(resource_name("private")))
    )
    for name, number, egress, protocol, cidr, ports in nacl_entries(vpc_cidr):
        entry = NetworkAclEntry(
            f"PrivateNetworkAcl{name}",
            NetworkAclId=Ref(acl),
            RuleNumber=number,
            Egress=egress,
            Protocol=protocol,
            CidrBlock=cidr,
            RuleAction="allow",
        )
        if ports is not None:
            entry.PortRange = ports
        template.add_resource(entry)
    for index, subnet in enumerate(subnets, start=1):
        association = SubnetNetworkAclAssociation(
            f"PrivateNetworkAclAssociation{index}", NetworkAclId=Ref(acl), SubnetId=Ref(subnet)
        )
        if index == MAX_AZS:
            association.Condition = HAS_THIRD_AZ
        template.add_resource(association)
    return acl


def _add_security_groups(template, vpc, s3_prefix_list) -> dict[str, SecurityGroup]:
    tiers = {
        "Endpoint": "interface VPC endpoints: HTTPS from the Lambda tier",
        "Lambda": "Lambda functions: HTTPS to endpoints and S3, MySQL to the database tier",
        "Database": "Aurora MySQL: 3306 from the Lambda tier",
    }
    groups = {}
    for tier, description in tiers.items():
        group = SecurityGroup(
            f"{tier}SecurityGroup",
            GroupDescription=f"tapstack {description}",
            VpcId=Ref(vpc),
            Tags=name_tags(resource_name(tier.lower())),
        )
        if tier != "Lambda":
            group.SecurityGroupEgress = [NO_EGRESS]
        groups[tier] = template.add_resource(group)
    add_tcp_rules(
        template,
        TIER_RULES,
        {tier: Ref(group) for tier, group in groups.items()},
        {"S3": s3_prefix_list},
    )
    return groups


def _add_flow_logs(
    template, vpc, kms_key_arn, retention_days: Ref, options: NetworkOptions
) -> None:
    log_group, role = add_delivered_log_group(
        template,
        LogDelivery(
            log_group_id="FlowLogGroup",
            log_group="vpc-flow-logs",
            role_id="FlowLogRole",
            trust=service_trust_policy("vpc-flow-logs.amazonaws.com"),
            policy_name="deliver-flow-logs",
            actions=[logs.CreateLogStream, logs.PutLogEvents, logs.DescribeLogStreams],
            resources=lambda group_arn: [group_arn],
        ),
        LogStorage(kms_key_arn, retention_days, options.protect_data),
    )
    template.add_resource(
        FlowLog(
            "VpcFlowLog",
            ResourceId=Ref(vpc),
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="cloud-watch-logs",
            LogGroupName=Ref(log_group),
            DeliverLogsPermissionArn=GetAtt(role, "Arn"),
        )
    )


def _add_outputs(template, vpc, subnets, route_tables, groups) -> None:
    add_exported_output(template, "VpcId", Ref(vpc), "VPC id")
    add_exported_output(template, "VpcCidr", GetAtt(vpc, "CidrBlock"), "VPC CIDR block")
    add_exported_output(
        template,
        "PrivateSubnetIds",
        Join(",", per_az([Ref(subnet) for subnet in subnets])),
        "Private subnet ids, one per AZ, comma-separated",
    )
    add_exported_output(
        template,
        "PrivateRouteTableIds",
        Join(",", per_az([Ref(table) for table in route_tables])),
        "Private route table ids, one per AZ, comma-separated",
    )
    for tier, group in groups.items():
        add_exported_output(
            template, f"{tier}SecurityGroupId", Ref(group), f"{tier} tier security group id"
        )


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("network", NetworkOptions, build, sceptre_user_data)
