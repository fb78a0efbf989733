"""MySQL over a VPC peering connection, and nothing else: one side's routes, groups and NACL.

The peer's private subnets (where its Lambda and database tiers live) are laid out from its
VPC CIDR by the same block that lays out every VPC (`subnet_cidr`), so a rule names each of
them, never the whole peer VPC. Inbound: routes to the peer's subnets, 3306 into the database
tier from them, the NACL admitting 3306 from them and replies going back on the ephemeral ports
except 3306. Outbound (prod's two regions only): the Lambda tier may open 3306 to them and the
NACL lets it out, and replies from them in on the ephemeral ports except 3306. Then the NACL
denies everything else to and from the whole peer VPC (`deny_everything_else`), before the
VPC's own rules (100 and up: its ephemeral replies from anywhere, HTTPS to S3 anywhere) could
admit it: the network layer carries nothing between the two VPCs but MySQL and its replies.
Used by the network stack (the accepter side, behind PeeringConnectionId) and by prod's
inter-region peering stack (the requester side).
"""

from dataclasses import dataclass

from troposphere import AWSHelperFn, Template
from troposphere.ec2 import (
    NetworkAclEntry,
    PortRange,
    Route,
    SecurityGroupEgress,
    SecurityGroupIngress,
)

from tapstack_blocks.subnets import MAX_AZS, subnet_cidr

MYSQL = 3306
TCP = "6"
# Ephemeral ports without 3306: a reply rule must never also admit a connection to (or from)
# another VPC's MySQL port (docs/security.md, the cross-account invariant).
EPHEMERAL_PORTS_BUT_MYSQL = (PortRange(From=1024, To=3305), PortRange(From=3307, To=65535))
ALL_PROTOCOLS = "-1"
# NACL rule numbers from first_nacl_rule (one per peer subnet): +0.. inbound 3306, +3.. and
# +6.. replies out, +9.. outbound 3306, +12.. and +15.. replies in; +19 denies the rest of the
# peer VPC, both ways. Every number stays below 100, where the VPC's own rules start.
INBOUND_MYSQL, REPLIES_LOW, REPLIES_HIGH, OUTBOUND_MYSQL = 0, 3, 6, 9
INBOUND_REPLIES_LOW, INBOUND_REPLIES_HIGH, DENY_THE_REST = 12, 15, 19
FIRST_OWN_RULE = 100


@dataclass(frozen=True)
class PeerPath:
    """One side of a MySQL-only path over a peering connection.

    `route_tables` pairs each private route table with the condition it exists under. Logical
    ids are `…From{peer}{subnets}{n}` / `…To{subnets}{n}`, so an existing stack keeps its ids.
    """

    connection: AWSHelperFn
    peer_vpc_cidr: AWSHelperFn
    route_tables: list[tuple[AWSHelperFn, str | None]]
    network_acl: AWSHelperFn
    database_group: AWSHelperFn
    peer: str  # in logical ids, e.g. "Prod"
    subnets: str  # in logical ids, e.g. "SyncSubnet"
    description: str  # the peer's subnets in rule descriptions
    condition: str | None = None  # the whole path exists under it
    lambda_group: AWSHelperFn | None = None  # set: the Lambda tier may open 3306 to the peer
    outbound_condition: str | None = None  # the outbound rules exist under it
    first_nacl_rule: int = 10
    deny_always: bool = False  # the deny of the rest of the peer VPC ignores `condition`


def add_mysql_peering_path(template: Template, path: PeerPath) -> None:
    """Add one side of the MySQL-only path described by `path` to `template`."""
    if path.first_nacl_rule + DENY_THE_REST >= FIRST_OWN_RULE:
        raise ValueError("a peering path's NACL entries must come before the VPC's own (100)")
    peer_subnets = [subnet_cidr(path.peer_vpc_cidr, index) for index in range(MAX_AZS)]
    for table_index, (table, condition) in enumerate(path.route_tables, start=1):
        for subnet_index, cidr in enumerate(peer_subnets, start=1):
            route = Route(
                f"PeeringRoute{table_index}To{path.subnets}{subnet_index}",
                RouteTableId=table,
                DestinationCidrBlock=cidr,
                VpcPeeringConnectionId=path.connection,
            )
            _set_condition(route, condition)
            template.add_resource(route)
    for index, cidr in enumerate(peer_subnets):
        name = f"{path.peer}{path.subnets}{index + 1}"
        ingress = SecurityGroupIngress(
            f"DatabaseIngressMysqlFrom{name}",
            GroupId=path.database_group,
            IpProtocol="tcp",
            FromPort=MYSQL,
            ToPort=MYSQL,
            CidrIp=cidr,
            Description=f"MySQL from {path.description} (VPC peering)",
        )
        _set_condition(ingress, path.condition)
        template.add_resource(ingress)
        entries = [
            (f"InboundMysqlFrom{name}", INBOUND_MYSQL, False, PortRange(From=MYSQL, To=MYSQL)),
            (f"OutboundRepliesTo{name}Low", REPLIES_LOW, True, EPHEMERAL_PORTS_BUT_MYSQL[0]),
            (f"OutboundRepliesTo{name}High", REPLIES_HIGH, True, EPHEMERAL_PORTS_BUT_MYSQL[1]),
        ]
        for entry_name, offset, egress, ports in entries:
            _add_nacl_entry(template, path, entry_name, offset + index, egress, cidr, ports)
        if path.lambda_group is not None:
            _add_outbound(template, path, name, index, cidr)
    deny_everything_else(
        template,
        path.network_acl,
        path.peer_vpc_cidr,
        f"{path.peer}Vpc",
        path.first_nacl_rule + DENY_THE_REST,
        None if path.deny_always else path.condition,
    )


def deny_everything_else(template, acl, peer_vpc_cidr, name, number, condition=None) -> None:
    """Deny every protocol and port to and from the peer VPC: what the entries before `number`
    do not allow stays out, whatever the VPC's own later entries allow."""
    for direction, egress in (("Inbound", False), ("Outbound", True)):
        entry = NetworkAclEntry(
            f"PrivateNetworkAcl{direction}DenyAllOther{name}",
            NetworkAclId=acl,
            RuleNumber=number,
            Egress=egress,
            Protocol=ALL_PROTOCOLS,
            CidrBlock=peer_vpc_cidr,
            RuleAction="deny",
        )
        _set_condition(entry, condition)
        template.add_resource(entry)


def _add_outbound(template, path: PeerPath, name: str, index: int, cidr) -> None:
    egress = SecurityGroupEgress(
        f"LambdaEgressMysqlTo{name}",
        GroupId=path.lambda_group,
        IpProtocol="tcp",
        FromPort=MYSQL,
        ToPort=MYSQL,
        CidrIp=cidr,
        Description=f"MySQL to {path.description} (VPC peering)",
    )
    _set_condition(egress, path.outbound_condition or path.condition)
    template.add_resource(egress)
    replies = [
        (f"OutboundMysqlTo{name}", OUTBOUND_MYSQL, True, PortRange(From=MYSQL, To=MYSQL)),
        (f"InboundRepliesFrom{name}Low", INBOUND_REPLIES_LOW, False, EPHEMERAL_PORTS_BUT_MYSQL[0]),
        (
            f"InboundRepliesFrom{name}High",
            INBOUND_REPLIES_HIGH,
            False,
            EPHEMERAL_PORTS_BUT_MYSQL[1],
        ),
    ]
    for entry_name, offset, egress, ports in replies:
        _add_nacl_entry(
            template,
            path,
            entry_name,
            offset + index,
            egress,
            cidr,
            ports,
            path.outbound_condition or path.condition,
        )


def _add_nacl_entry(template, path, entry_name, offset, egress, cidr, ports, condition=None):
    entry = NetworkAclEntry(
        f"PrivateNetworkAcl{entry_name}",
        NetworkAclId=path.network_acl,
        RuleNumber=path.first_nacl_rule + offset,
        Egress=egress,
        Protocol=TCP,
        CidrBlock=cidr,
        PortRange=ports,
        RuleAction="allow",
    )
    _set_condition(entry, condition or path.condition)
    template.add_resource(entry)


def _set_condition(resource, condition: str | None) -> None:
    if condition:
        resource.Condition = condition
