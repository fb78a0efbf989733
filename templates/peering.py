"""peering stack (prod requester): VPC peering from prod's VPC to each peer environment's VPC,
and the sync function's own security group, the only one that may open a connection to a peer.

Per peer (sceptre_user_data `peers`, e.g. [staging, dev]): the peering connection (accepted in
the peer's account by the `!accept_vpc_peering` hook), a route from each prod private route
table to the peer's VPC CIDR, and on prod's side of the path only MySQL outbound: the sync's
security group may open 3306 to the peer's private (database) subnets, never its whole VPC, and
prod's NACL lets it out (replies come back through its existing ephemeral-port rule). The
shared Lambda tier gets no path to the peers, so no other prod function can reach staging or
dev. Nothing opens prod to the peers: their side (routes back, 3306 in from prod's sync subnets
only) is in their own peering-accepter stack.

The sync's group otherwise reaches what the sync needs: HTTPS to the interface endpoints
(Secrets Manager, STS, KMS) and MySQL to prod's own database tier (its reader).
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from tapstack_blocks.handler import render
from tapstack_blocks.naming import resource_name
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import (
    ENVIRONMENTS,
    add_environment_parameters,
    endpoint_security_group_parameter,
    own_vpc_parameters,
)
from tapstack_blocks.peering_path import EPHEMERAL_PORTS_BUT_MYSQL, deny_everything_else
from tapstack_blocks.security_groups import NO_EGRESS, allow_tcp_between_groups
from tapstack_blocks.subnets import (
    MAX_AZS,
    add_third_az_condition,
    listed_route_tables,
    subnet_cidr,
)
from tapstack_blocks.tags import name_tags
from troposphere import Parameter, Ref, Template
from troposphere.ec2 import (
    NetworkAclEntry,
    PortRange,
    Route,
    SecurityGroup,
    SecurityGroupEgress,
    VPCPeeringConnection,
)

MYSQL = 3306
HTTPS = 443
TCP = "6"
# prod/us-east-1's NACL: 10-29 the peering-accepter stack's path to eu-west-1, 40-59 staging and dev
# (ten numbers each), 100-199 the network stack's own rules.
FIRST_NACL_RULE = 40
NACL_RULES_PER_PEER = 10
Peer = Annotated[str, Field(pattern=f"^({'|'.join(e for e in ENVIRONMENTS if e != 'prod')})$")]


class PeeringOptions(BaseModel):
    """Which environments prod peers with."""

    model_config = ConfigDict(extra="forbid")

    peers: Annotated[list[Peer], Field(min_length=1, max_length=10)]


def build(options: PeeringOptions) -> Template:
    """The peering stack's template."""
    template = Template(Description="tapstack peering: prod VPC to the staging and dev VPCs")
    add_environment_parameters(template)
    own = _add_own_parameters(template)
    add_third_az_condition(template, Ref(own["AzCount"]))
    sync_group = _add_sync_security_group(template, own)
    for index, peer in enumerate(dict.fromkeys(options.peers)):
        _add_peer(template, peer, index, own, sync_group)
    add_exported_output(
        template,
        "SyncSecurityGroupId",
        Ref(sync_group),
        "The sync function's security group (the only one reaching staging and dev)",
    )
    return template


def _add_sync_security_group(template: Template, own: dict[str, Parameter]) -> SecurityGroup:
    """The sync's own group: HTTPS to the interface endpoints, MySQL to prod's database tier;
    MySQL to the peers is added per peer."""
    group = template.add_resource(
        SecurityGroup(
            "SyncSecurityGroup",
            GroupDescription="tapstack sync: MySQL to the prod reader and the peer databases",
            VpcId=Ref(own["VpcId"]),
            SecurityGroupEgress=[NO_EGRESS],
            Tags=name_tags(resource_name("sync")),
        )
    )
    sync = Ref(group)
    allow_tcp_between_groups(
        template,
        port=HTTPS,
        sender=sync,
        receiver=Ref(own["EndpointSecurityGroupId"]),
        egress=(
            "SyncEgressHttpsToEndpoints",
            "HTTPS to the interface endpoints (Secrets Manager, STS, KMS)",
        ),
        ingress=("EndpointIngressHttpsFromSync", "HTTPS from the sync"),
    )
    allow_tcp_between_groups(
        template,
        port=MYSQL,
        sender=sync,
        receiver=Ref(own["DatabaseSecurityGroupId"]),
        egress=("SyncEgressMysqlToDatabase", "MySQL to prod's database tier (the reader)"),
        ingress=("DatabaseIngressMysqlFromSync", "MySQL from the sync"),
    )
    return group


def _add_own_parameters(template: Template) -> dict[str, Parameter]:
    specs = [
        # The shared Lambda tier has no path to the peers: only the sync's group below does.
        *(
            parameter
            for parameter in own_vpc_parameters("Prod's", "Lambda tier")
            if parameter.title != "LambdaSecurityGroupId"
        ),
        endpoint_security_group_parameter("Prod's"),
        Parameter(
            "DatabaseSecurityGroupId",
            Type="AWS::EC2::SecurityGroup::Id",
            Description="Prod's database tier (network stack).",
            ConstraintDescription="must be a security group id",
        ),
        Parameter(
            "NetworkAclId",
            Type="String",
            AllowedPattern=r"^acl-[0-9a-f]{8,17}$",
            Description="Prod's private subnets' network ACL (network stack).",
            ConstraintDescription="must be a network ACL id",
        ),
    ]
    return {parameter.title: template.add_parameter(parameter) for parameter in specs}


def _add_peer_parameters(template: Template, title: str, peer: str) -> dict[str, Parameter]:
    specs = [
        Parameter(
            f"{title}VpcId",
            Type="String",  # not AWS::EC2::VPC::Id: that type is checked in prod's account
            AllowedPattern=r"^vpc-[0-9a-f]{8,17}$",
            Description=f"The {peer} VPC (its network stack, read across accounts).",
            ConstraintDescription="must be a VPC id",
        ),
        Parameter(
            f"{title}AccountId",
            Type="String",
            AllowedPattern=r"^\d{12}$",
            Description=f"The {peer} account (accounts map in config/config.yaml).",
            ConstraintDescription="must be a 12-digit account id",
        ),
        Parameter(
            f"{title}VpcCidr",
            Type="String",
            AllowedPattern=r"^(10|172|192)\.\d{1,3}\.0\.0/16$",
            Description=f"The {peer} VPC CIDR (address plan in config/config.yaml).",
            ConstraintDescription="must be a private /16 such as 10.2.0.0/16",
        ),
    ]
    return {p.title.removeprefix(title): template.add_parameter(p) for p in specs}


def _add_peer(
    template: Template,
    peer: str,
    index: int,
    own: dict[str, Parameter],
    sync_group: SecurityGroup,
) -> None:
    title = peer.capitalize()
    parameters = _add_peer_parameters(template, title, peer)
    peer_cidr = Ref(parameters["VpcCidr"])
    connection = template.add_resource(
        VPCPeeringConnection(
            f"{title}PeeringConnection",
            VpcId=Ref(own["VpcId"]),
            PeerVpcId=Ref(parameters["VpcId"]),
            PeerOwnerId=Ref(parameters["AccountId"]),
            PeerRegion=Ref("AWS::Region"),
            Tags=name_tags(resource_name(f"to-{peer}")),
        )
    )
    route_tables = listed_route_tables(Ref(own["PrivateRouteTableIds"]))
    for az, (table, condition) in enumerate(route_tables, start=1):
        route = Route(
            f"{title}Route{az}",
            RouteTableId=table,
            DestinationCidrBlock=peer_cidr,
            VpcPeeringConnectionId=Ref(connection),
        )
        if condition:
            route.Condition = condition
        template.add_resource(route)
    # The peer's private subnets are the first /20s of its address plan (tapstack_blocks.subnets),
    # where its database lives: the sync may reach those, not the rest of the peer's VPC.
    for az in range(MAX_AZS):
        template.add_resource(
            SecurityGroupEgress(
                f"{title}SyncEgressSubnet{az + 1}",
                GroupId=Ref(sync_group),
                IpProtocol="tcp",
                FromPort=MYSQL,
                ToPort=MYSQL,
                CidrIp=subnet_cidr(peer_cidr, az),
                Description=f"MySQL to the {peer} VPC's private subnet {az + 1} (the sync)",
            )
        )
    # MySQL out, its replies in, everything else to and from the peer VPC denied, all before
    # the network stack's own rules (100 and up), which admit replies from anywhere.
    first = FIRST_NACL_RULE + NACL_RULES_PER_PEER * index
    entries = [
        ("NaclOutboundMysql", 0, True, PortRange(From=MYSQL, To=MYSQL)),
        ("NaclInboundRepliesLow", 1, False, EPHEMERAL_PORTS_BUT_MYSQL[0]),
        ("NaclInboundRepliesHigh", 2, False, EPHEMERAL_PORTS_BUT_MYSQL[1]),
    ]
    for name, offset, egress, ports in entries:
        template.add_resource(
            NetworkAclEntry(
                f"{title}{name}",
                NetworkAclId=Ref(own["NetworkAclId"]),
                RuleNumber=first + offset,
                Egress=egress,
                Protocol=TCP,
                CidrBlock=peer_cidr,
                PortRange=ports,
                RuleAction="allow",
            )
        )
    deny_everything_else(
        template, Ref(own["NetworkAclId"]), peer_cidr, title, first + NACL_RULES_PER_PEER - 1
    )
    add_exported_output(
        template,
        f"{title}PeeringConnectionId",
        Ref(connection),
        f"Peering connection to the {peer} VPC",
    )


def sceptre_handler(sceptre_user_data: dict | None) -> str:
    """Sceptre entry point."""
    return render("peering", PeeringOptions, build, sceptre_user_data)
