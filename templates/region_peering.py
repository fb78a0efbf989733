"""peering stack (prod's second region, requester): MySQL between prod's two regions, only.

prod/eu-west-1 requests a peering connection to prod/us-east-1's VPC (same account, PeerRegion
us-east-1); the `!accept_vpc_peering` hook accepts it in us-east-1. eu-west-1 requests because
it launches second: us-east-1's VPC already exists when this stack is created. This stack holds
eu-west-1's side of the path (tapstack_blocks.peering_path): routes to us-east-1's private
subnets, 3306 into the database tier from them and out of the Lambda tier to them, NACL entries
for 3306 and the replies. us-east-1's side is its peering-accepter stack, behind PeeringConnectionId
(this stack's output) with PeerMysqlOutbound true. Security groups cannot name a group of
another region, so every rule names the peer's private subnets by CIDR.
"""

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.handler import render
from tapstack_blocks.naming import resource_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters, own_vpc_parameters
from tapstack_blocks.peering_path import PeerPath, add_mysql_peering_path
from tapstack_blocks.subnets import add_third_az_condition, listed_route_tables
from tapstack_blocks.tags import name_tags
from troposphere import Parameter, Ref, Template
from troposphere.ec2 import VPCPeeringConnection

FIRST_NACL_RULE = 10  # before the network stack's own rules (100-199)


class RegionPeeringOptions(BaseModel):
    """Nothing to choose: the peer is given by parameters."""

    model_config = ConfigDict(extra="forbid")


def build(_options: RegionPeeringOptions) -> Template:
    """The inter-region peering stack's template."""
    template = Template(Description="tapstack peering: MySQL only between prod's two regions' VPCs")
    add_environment_parameters(template)
    parameters = _add_parameters(template)
    add_third_az_condition(template, Ref(parameters["AzCount"]))
    connection = template.add_resource(
        VPCPeeringConnection(
            "RegionPeeringConnection",
            VpcId=Ref(parameters["VpcId"]),
            PeerVpcId=Ref(parameters["PeerVpcId"]),
            PeerRegion=Ref(parameters["PeerRegion"]),
            Tags=name_tags(resource_name("to-primary-region")),
        )
    )
    add_mysql_peering_path(
        template,
        PeerPath(
            connection=Ref(connection),
            peer_vpc_cidr=Ref(parameters["PeerVpcCidr"]),
            route_tables=listed_route_tables(Ref(parameters["PrivateRouteTableIds"])),
            network_acl=Ref(parameters["NetworkAclId"]),
            database_group=Ref(parameters["DatabaseSecurityGroupId"]),
            peer="PeerRegion",
            subnets="PrivateSubnet",
            description="the peer region's private subnet",
            lambda_group=Ref(parameters["LambdaSecurityGroupId"]),
            first_nacl_rule=FIRST_NACL_RULE,
        ),
    )
    add_exported_output(
        template,
        "PeeringConnectionId",
        Ref(connection),
        "Peering connection to the peer region's VPC (MySQL only)",
    )
    return template


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        *own_vpc_parameters("This region's", "Lambda tier"),
        Parameter(
            "DatabaseSecurityGroupId",
            Type="AWS::EC2::SecurityGroup::Id",
            Description="This region's database tier (network stack).",
            ConstraintDescription="must be a security group id",
        ),
        Parameter(
            "NetworkAclId",
            Type="String",
            AllowedPattern=r"^acl-[0-9a-f]{8,17}$",
            Description="This region's private subnets' network ACL (network stack).",
            ConstraintDescription="must be a network ACL id",
        ),
        Parameter(
            "PeerVpcId",
            Type="String",  # not AWS::EC2::VPC::Id: that type is checked in this region only
            AllowedPattern=r"^vpc-[0-9a-f]{8,17}$",
            Description="The peer region's VPC (its network stack).",
            ConstraintDescription="must be a VPC id",
        ),
        Parameter(
            "PeerRegion",
            Type="String",
            AllowedPattern=r"^[a-z]{2}(-[a-z]+)+-\d$",
            Description="The peer VPC's region.",
            ConstraintDescription="must be a region name such as us-east-1",
        ),
        Parameter(
            "PeerVpcCidr",
            Type="String",
            AllowedPattern=r"^(10|172|192)\.\d{1,3}\.0\.0/16$",
            Description="The peer VPC's CIDR (address plan); only its private subnets are "
            "admitted.",
            ConstraintDescription="must be a private /16 such as 10.3.0.0/16",
        ),
    ]
    return {parameter.title: template.add_parameter(parameter) for parameter in specs}


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("region-peering", RegionPeeringOptions, build, sceptre_user_data)
