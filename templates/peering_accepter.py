"""peering-accepter stack: the accepter's side of a MySQL-only VPC peering path.

A requester stack in another group creates the peering connection (prod/us-east-1's `peering`
to staging and dev, prod/eu-west-1's `peering` to prod/us-east-1); this stack, in the accepter's
own group and account, holds the accepter's side (tapstack_blocks.peering_path): routes from its
private route tables to the peer's private subnets, 3306 into the database tier from them,
NACL entries for 3306 and its replies, and, with PeerMysqlOutbound true (prod's regions only),
3306 out of the Lambda tier to them. Nothing else crosses: the NACL denies every other protocol
and port to and from the whole peer VPC, whether or not a connection exists.

It is its own stack, not part of the network stack, so that the stack graph has no cycle: the
requester reads the accepter's VPC from its network stack, and this stack reads the requester's
connection id, so it comes after both (docs/architecture.md, "Launch order"). An empty
PeeringConnectionId (the requester has not asked yet) leaves only the deny entries.
"""

from pydantic import BaseModel, ConfigDict
from tapstack_blocks.handler import render
from tapstack_blocks.naming import resource_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters
from tapstack_blocks.peering_path import PeerPath, add_mysql_peering_path
from tapstack_blocks.subnets import HAS_THIRD_AZ, add_third_az_condition, listed_route_tables
from troposphere import And, Condition, Equals, Not, Parameter, Ref, Template

FIRST_NACL_RULE = 10  # before the network stack's own rules (100-199)
ACCEPTS_PEERING = "AcceptsPeering"
ACCEPTS_PEERING_THIRD_AZ = "AcceptsPeeringInThirdAz"
PEERING_MYSQL_OUTBOUND = "PeeringMysqlOutbound"


class PeeringAccepterOptions(BaseModel):
    """Nothing to choose: the peer and the connection are parameters."""

    model_config = ConfigDict(extra="forbid")


def build(_options: PeeringAccepterOptions) -> Template:
    """The peering-accepter stack's template."""
    template = Template(
        Description="tapstack peering accepter: MySQL only from the peer VPC's private subnets"
    )
    add_environment_parameters(template)
    parameters = _add_parameters(template)
    add_third_az_condition(template, Ref(parameters["AzCount"]))
    _add_conditions(template, parameters)
    route_tables = [
        (table, ACCEPTS_PEERING_THIRD_AZ if condition == HAS_THIRD_AZ else ACCEPTS_PEERING)
        for table, condition in listed_route_tables(Ref(parameters["PrivateRouteTableIds"]))
    ]
    add_mysql_peering_path(
        template,
        PeerPath(
            connection=Ref(parameters["PeeringConnectionId"]),
            peer_vpc_cidr=Ref(parameters["PeerVpcCidr"]),
            route_tables=route_tables,
            network_acl=Ref(parameters["NetworkAclId"]),
            database_group=Ref(parameters["DatabaseSecurityGroupId"]),
            peer="Peer",
            subnets="PrivateSubnet",
            description="the peer VPC's private subnet",
            condition=ACCEPTS_PEERING,
            lambda_group=Ref(parameters["LambdaSecurityGroupId"]),
            outbound_condition=PEERING_MYSQL_OUTBOUND,
            first_nacl_rule=FIRST_NACL_RULE,
            deny_always=True,  # the rest of the peer VPC stays out, peered or not
        ),
    )
    add_exported_output(
        template,
        "AcceptedPeeringConnectionId",
        Ref(parameters["PeeringConnectionId"]),
        "The peering connection this side routes and admits MySQL through",
        condition=ACCEPTS_PEERING,
    )
    add_exported_output(
        template,
        "PeeringPathName",
        resource_name("peering-accepter"),
        "This side of the path, by the naming convention (parallel copies of an environment "
        "share its account)",
    )
    return template


def _add_conditions(template: Template, parameters: dict[str, Parameter]) -> None:
    template.add_condition(ACCEPTS_PEERING, Not(Equals(Ref(parameters["PeeringConnectionId"]), "")))
    template.add_condition(
        ACCEPTS_PEERING_THIRD_AZ, And(Condition(ACCEPTS_PEERING), Condition(HAS_THIRD_AZ))
    )
    template.add_condition(
        PEERING_MYSQL_OUTBOUND,
        And(Condition(ACCEPTS_PEERING), Equals(Ref(parameters["PeerMysqlOutbound"]), "true")),
    )


def _add_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        Parameter(
            "PeeringConnectionId",
            Type="String",
            AllowedPattern=r"^(pcx-[0-9a-f]{8,17})?$",
            Description="The requester's peering connection to this VPC; empty: none yet.",
            ConstraintDescription="must be empty or a VPC peering connection id",
        ),
        Parameter(
            "PeerVpcCidr",
            Type="String",
            AllowedPattern=r"^(10|172|192)\.\d{1,3}\.0\.0/16$",
            Description="The peer VPC's CIDR (address plan); only its private subnets are "
            "admitted (staging, dev: prod's sync subnets).",
            ConstraintDescription="must be a private /16 such as 10.3.0.0/16",
        ),
        Parameter(
            "PeerMysqlOutbound",
            Type="String",
            Default="false",
            AllowedValues=["false", "true"],
            Description="true (prod's regions only): the Lambda tier may also open MySQL to "
            "the peer's private subnets.",
            ConstraintDescription="must be false or true",
        ),
        Parameter(
            "AzCount",
            Type="String",
            AllowedValues=["2", "3"],
            Description="Number of availability zones (route tables) of this VPC.",
            ConstraintDescription="must be 2 or 3",
        ),
        Parameter(
            "PrivateRouteTableIds",
            Type="CommaDelimitedList",
            AllowedPattern=r"^rtb-[0-9a-f]{8,17}$",
            Description="This VPC's private route tables, one per AZ (network stack).",
            ConstraintDescription="must be route table ids, comma-separated",
        ),
        Parameter(
            "NetworkAclId",
            Type="String",
            AllowedPattern=r"^acl-[0-9a-f]{8,17}$",
            Description="This VPC's private subnets' network ACL (network stack).",
            ConstraintDescription="must be a network ACL id",
        ),
        Parameter(
            "DatabaseSecurityGroupId",
            Type="AWS::EC2::SecurityGroup::Id",
            Description="This VPC's database tier (network stack).",
            ConstraintDescription="must be a security group id",
        ),
        Parameter(
            "LambdaSecurityGroupId",
            Type="AWS::EC2::SecurityGroup::Id",
            Description="This VPC's Lambda tier (network stack): with PeerMysqlOutbound, it "
            "may open 3306 to the peer.",
            ConstraintDescription="must be a security group id",
        ),
    ]
    return {parameter.title: template.add_parameter(parameter) for parameter in specs}


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("peering-accepter", PeeringAccepterOptions, build, sceptre_user_data)
