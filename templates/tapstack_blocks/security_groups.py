"""Security-group rules the templates share: a group with no egress, TCP from one group to
another written as the pair AWS needs (egress on the sender, ingress on the receiver), and rules
given as a table of `TcpRule` rows."""

from dataclasses import dataclass
from typing import Literal

from troposphere import AWSHelperFn, Template
from troposphere.ec2 import SecurityGroupEgress, SecurityGroupIngress, SecurityGroupRule

# Egress only to loopback replaces a security group's default allow-all egress: no egress.
NO_EGRESS = SecurityGroupRule(IpProtocol="-1", CidrIp="127.0.0.1/32", Description="none")


@dataclass(frozen=True)
class TcpRule:
    """One TCP rule of a security-group table: on `group`'s side, to or from `peer`."""

    logical_id: str
    group: str  # a key of the groups given to `add_tcp_rules`
    direction: Literal["ingress", "egress"]
    port: int
    peer: str  # another key of the groups, or of the prefix lists
    description: str


def add_tcp_rules(
    template: Template,
    rules: list[TcpRule],
    groups: dict[str, AWSHelperFn],
    prefix_lists: dict[str, AWSHelperFn] | None = None,
) -> None:
    """Add each rule of the table; a peer names a group or a managed prefix list."""
    prefix_lists = prefix_lists or {}
    for rule in rules:
        common = {
            "GroupId": groups[rule.group],
            "IpProtocol": "tcp",
            "FromPort": rule.port,
            "ToPort": rule.port,
            "Description": rule.description,
        }
        if rule.direction == "egress" and rule.peer in prefix_lists:
            peer = {"DestinationPrefixListId": prefix_lists[rule.peer]}
        elif rule.direction == "egress":
            peer = {"DestinationSecurityGroupId": groups[rule.peer]}
        else:
            peer = {"SourceSecurityGroupId": groups[rule.peer]}
        kind = SecurityGroupEgress if rule.direction == "egress" else SecurityGroupIngress
        template.add_resource(kind(rule.logical_id, **common, **peer))


def allow_tcp_between_groups(
    template: Template,
    *,
    port: int,
    sender: AWSHelperFn,
    receiver: AWSHelperFn,
    egress: tuple[str, str],
    ingress: tuple[str, str],
) -> None:
    """Let `sender` open TCP `port` to `receiver`: `egress` and `ingress` are each
    (logical id, description) of the rule on the sending and on the receiving group."""
    template.add_resource(
        SecurityGroupEgress(
            egress[0],
            GroupId=sender,
            IpProtocol="tcp",
            FromPort=port,
            ToPort=port,
            DestinationSecurityGroupId=receiver,
            Description=egress[1],
        )
    )
    template.add_resource(
        SecurityGroupIngress(
            ingress[0],
            GroupId=receiver,
            IpProtocol="tcp",
            FromPort=port,
            ToPort=port,
            SourceSecurityGroupId=sender,
            Description=ingress[1],
        )
    )
