"""Every port and protocol: what the network layer admits between prod and staging/dev.

tapstack_tools.reachability proves the MySQL port cannot be opened toward prod; this proves more, on
every protocol and port, from the rendered templates of each stack group with the parameters
each stack is launched with:

- **NACLs** (toward each other environment's VPC that a route of the VPC leads to), evaluated
  as AWS does: per direction, the lowest-numbered entry that matches a
  packet decides. staging/dev may send prod only TCP replies (destination ports 1024-65535
  except 3306) and receive from prod only TCP 3306; prod may receive from staging/dev only
  TCP replies and send them only TCP 3306. Stateless NACLs see no connection state: a packet
  from source port 3306 to a reply port looks like a reply. The security groups (stateful)
  refuse those, and the next check proves they admit nothing at all between the environments.
- **Security groups**: no staging/dev egress toward prod, and no prod ingress from
  staging/dev, on any port or protocol.

It fails closed. A construct it cannot evaluate counts as a violation: an IPv6 CIDR, a prefix
list other than an AWS-managed service list, a security-group reference to a group that is not
one of the same VPC's (a group of the same template, or one the group's network stack exports),
an unknown CIDR where an allow could admit another environment. An entry whose CIDR covers only
part of the other VPC allows for the part it covers and never counts as a deny.
"""

import ipaddress
import itertools
from dataclasses import dataclass
from typing import Any

from tapstack_tools.reachability import Evaluator, Facts, StackInput, Unknown

TCP, UDP, ICMP = "6", "17", "1"
PROTOCOL_NUMBERS = {"tcp": TCP, "udp": UDP, "icmp": ICMP, "-1": "-1", "all": "-1"}
MYSQL = 3306
REPLIES = [(TCP, 1024, 3305), (TCP, 3307, 65535)]  # what a reply to a connection may use
ONLY_MYSQL = [(TCP, MYSQL, MYSQL)]
ANY = [(TCP, 0, 65535), (UDP, 0, 65535), (ICMP, 0, 0), ("other", 0, 0)]


@dataclass(frozen=True)
class ManagedPrefixList:
    """An AWS-managed prefix list (`!managed_prefix_list SERVICE`): AWS's public addresses of
    one service, never a VPC's private range."""

    service: str


@dataclass(frozen=True)
class OwnVpcGroup:
    """A security group the group's own network stack exports (same VPC)."""

    output: str


def _protocol(value: Any) -> str:
    text = str(value).lower()
    return PROTOCOL_NUMBERS.get(text, text)


def _network(value: Any) -> ipaddress.IPv4Network | None:
    return None if isinstance(value, Unknown) else ipaddress.IPv4Network(value, strict=False)


def _segments(protocol: str) -> list[tuple[int, int]]:
    return [(0, 65535)] if protocol in (TCP, UDP) else [(0, 0)]


def _admitted_by_nacl(entries: list[dict], other: ipaddress.IPv4Network) -> list[tuple]:
    """(protocol, low, high) the entries admit for traffic to or from `other` (first match)."""
    entries = sorted(entries, key=lambda e: int(e["RuleNumber"]))
    admitted = []
    for protocol, low, high in ANY:
        cuts = {low, high + 1}
        for entry in entries:
            ports = entry.get("PortRange") or {"From": 0, "To": 65535}
            cuts |= {int(ports["From"]), int(ports["To"]) + 1}
        points = sorted(cut for cut in cuts if low <= cut <= high + 1)
        for start, end in itertools.pairwise(points):
            if not _first_match_allows(entries, other, protocol, start):
                continue
            if admitted and admitted[-1][0] == protocol and admitted[-1][2] == start - 1:
                admitted[-1] = (protocol, admitted[-1][1], end - 1)  # one contiguous range
            else:
                admitted.append((protocol, start, end - 1))
    return admitted


def _first_match_allows(entries, other, protocol: str, port: int) -> bool:
    for entry in entries:
        entry_protocol = _protocol(entry["Protocol"])
        if entry_protocol not in ("-1", protocol if protocol != "other" else "-1"):
            continue
        if entry_protocol in (TCP, UDP):
            ports = entry.get("PortRange") or {"From": 0, "To": 65535}
            if not int(ports["From"]) <= port <= int(ports["To"]):
                continue
        network = _network(entry["CidrBlock"])
        overlaps = network is None or network.overlaps(other)
        covers = network is not None and other.subnet_of(network)
        if entry["RuleAction"] == "allow" and overlaps:
            return True
        if entry["RuleAction"] == "deny" and covers:
            return False
    return False  # the NACL's final `*` entry denies


def _within(admitted: list[tuple], allowed: list[tuple]) -> list[tuple]:
    """The parts of `admitted` that `allowed` does not cover."""
    return [
        (protocol, low, high)
        for protocol, low, high in admitted
        if not any(p == protocol and a <= low and high <= b for p, a, b in allowed)
    ]


def _reached(others: list, routed: list) -> list:
    """The other environments' VPCs a route of this VPC leads to (an unknown route: all).
    Without a route no packet passes whatever the NACL says; tapstack_tools.reachability proves each
    route toward prod goes through a peering connection to prod's sync subnets only."""
    return [
        other for other in others if any(route is None or route.overlaps(other) for route in routed)
    ]


def nacl_violations(group: str, stacks: list[StackInput], facts: Facts) -> list[str]:
    """Every-port NACL violations of one stack group (one VPC, one custom NACL)."""
    environment = stacks[0].environment
    prod = environment == "prod"
    others = facts.other_cidrs if prod else facts.prod_cidrs
    entries = {False: [], True: []}
    routed: list[Any] = []
    found = []
    for stack in stacks:
        for logical_id, resource in Evaluator(stack, facts).resources().items():
            props = resource["Properties"]
            if resource["Type"] == "AWS::EC2::Route":
                routed.append(_network(props.get("DestinationCidrBlock")))
            if resource["Type"] != "AWS::EC2::NetworkAclEntry":
                continue
            if "Ipv6CidrBlock" in props:
                found.append(f"{stack.name}:{logical_id}: IPv6 NACL entry (cannot evaluate)")
                continue
            entries[str(props.get("Egress")).lower() == "true"].append(props)
    # prod may receive replies and send MySQL; staging/dev the other way round
    expected = {False: REPLIES if prod else ONLY_MYSQL, True: ONLY_MYSQL if prod else REPLIES}
    for egress, allowed in expected.items():
        direction = "to" if egress else "from"
        for other in _reached(others, routed):
            for protocol, low, high in _within(_admitted_by_nacl(entries[egress], other), allowed):
                found.append(
                    f"{group}: NACL admits protocol {protocol} ports {low}-{high} {direction} "
                    f"{other}"
                )
    return found


def security_group_violations(stack: StackInput, facts: Facts) -> list[str]:
    """Security-group rules toward the other environments, or that the proof cannot read."""
    prod = stack.environment == "prod"
    others = facts.other_cidrs if prod else facts.prod_cidrs
    evaluator = Evaluator(stack, facts)
    own_groups = {
        logical_id
        for logical_id, resource in stack.document["Resources"].items()
        if resource["Type"] == "AWS::EC2::SecurityGroup"
    }
    found = []
    for logical_id, resource in evaluator.resources().items():
        kind, props = resource["Type"], resource["Properties"]
        raw = stack.document["Resources"][logical_id].get("Properties", {})
        rules = []
        if kind == "AWS::EC2::SecurityGroup":
            rules = [(r, raw_r, False) for r, raw_r in _pairs(props, raw, "SecurityGroupIngress")]
            rules += [(r, raw_r, True) for r, raw_r in _pairs(props, raw, "SecurityGroupEgress")]
        elif kind in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            rules = [(props, raw, kind.endswith("Egress"))]
        for rule, raw_rule, egress in rules:
            where = f"{stack.name}:{logical_id}"
            problem = _rule_problem(rule, raw_rule, egress, prod, others, own_groups)
            if problem:
                found.append(f"{where}: {problem}")
    return found


def _pairs(props: dict, raw: dict, key: str):
    return zip(props.get(key, []), raw.get(key, []), strict=True)


def _rule_problem(rule, raw_rule, egress: bool, prod: bool, others, own_groups) -> str | None:
    watched = egress != prod  # staging/dev: egress toward prod; prod: ingress from staging/dev
    if "CidrIpv6" in rule:
        return "IPv6 security-group rule (cannot evaluate)"
    prefix_list = rule.get("DestinationPrefixListId" if egress else "SourcePrefixListId")
    if prefix_list is not None and not isinstance(prefix_list, ManagedPrefixList):
        return f"prefix list {prefix_list} (cannot evaluate: not an AWS-managed service list)"
    group_key = "DestinationSecurityGroupId" if egress else "SourceSecurityGroupId"
    if group_key in rule:
        reference = raw_rule[group_key]
        same_template = isinstance(reference, dict) and reference.get("Ref") in own_groups
        if not (same_template or isinstance(rule[group_key], OwnVpcGroup)):
            return f"security-group reference {reference} (cannot evaluate: not this VPC's group)"
    if "CidrIp" in rule and watched:
        network = _network(rule["CidrIp"])
        if network is None or any(network.overlaps(other) for other in others):
            return f"security group {'egress to' if egress else 'ingress from'} {rule['CidrIp']}"
    return None


def violations(stacks: list[StackInput], facts: Facts) -> list[str]:
    """Every violation across the stack groups given."""
    groups: dict[str, list[StackInput]] = {}
    for stack in stacks:
        groups.setdefault(stack.name.rsplit("/", 1)[0], []).append(stack)
    found = []
    for group, members in sorted(groups.items()):
        if members[0].environment not in ("prod", "staging", "dev"):
            continue
        found += nacl_violations(group, members, facts)
        for stack in members:
            found += security_group_violations(stack, facts)
    return found
