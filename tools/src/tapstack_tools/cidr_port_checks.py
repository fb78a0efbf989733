"""CIDR and port tests the reachability rules share: which networks, which ports."""

import ipaddress
from typing import Any

from tapstack_tools.reachability_inputs import (
    ALL,
    EPHEMERAL,
    MYSQL,
    PRIVATE_SUBNET_PREFIX,
    PRIVATE_SUBNETS,
    TCP,
    Facts,
    Unknown,
)


def private_subnets(vpcs: list[ipaddress.IPv4Network]) -> list[ipaddress.IPv4Network]:
    """Each VPC's private subnets: its first PRIVATE_SUBNETS /20 blocks."""
    return [
        subnet
        for vpc in vpcs
        for subnet in list(vpc.subnets(new_prefix=PRIVATE_SUBNET_PREFIX))[:PRIVATE_SUBNETS]
    ]


def cidr_network(value: Any) -> ipaddress.IPv4Network | None:
    """The network `value` names, or None when it is Unknown."""
    return None if isinstance(value, Unknown) else ipaddress.IPv4Network(value, strict=False)


def toward_prod(cidr: Any, facts: Facts) -> bool:
    """Whether `cidr` may overlap prod's VPCs (an unknown CIDR may)."""
    network = cidr_network(cidr)
    return network is None or any(network.overlaps(prod) for prod in facts.prod_cidrs)


def includes_mysql(protocol: Any, low: Any, high: Any) -> bool:
    """Whether the protocol and port range may admit MySQL (unknown ports may)."""
    protocol = str(protocol).lower()
    if protocol in ALL:
        return True
    if protocol not in TCP:
        return False
    if isinstance(low, Unknown) or isinstance(high, Unknown):
        return True
    return int(low) <= MYSQL <= int(high)


def ports_text(protocol: Any, low: Any, high: Any) -> str:
    """`protocol low-high`, as the violations name a rule's ports."""
    return f"{protocol} {low}-{high}"


def mysql_exactly(protocol: Any, low: Any, high: Any) -> bool:
    """Whether the rule is TCP 3306 and nothing else."""
    return str(protocol).lower() in TCP and low == MYSQL and high == MYSQL


def reply_ports(protocol: Any, low: Any, high: Any) -> bool:
    """Whether the rule is TCP within the ephemeral reply ranges, without 3306."""
    if str(protocol).lower() not in TCP or isinstance(low, Unknown) or isinstance(high, Unknown):
        return False
    low, high = int(low), int(high)
    return EPHEMERAL[0] <= low <= high <= EPHEMERAL[1] and not low <= MYSQL <= high


def from_others(cidr: Any, facts: Facts) -> bool:
    """Whether `cidr` may overlap staging's or dev's VPCs (an unknown CIDR may)."""
    network = cidr_network(cidr)
    return network is None or any(network.overlaps(other) for other in facts.other_cidrs)
