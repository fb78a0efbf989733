"""The inputs of the reachability proof: a stack, what the accounts map and address plan say,
and the values only known at deploy time."""

import ipaddress
from dataclasses import dataclass, field
from typing import Any

MYSQL = 3306
TCP = {"6", "tcp"}
ALL = {"-1", "all"}
SYNC_ROLE = "tapstack-sync-prod"
SYNC_GROUP = "SyncSecurityGroup"  # the sync's own security group (peering stack)
ACCEPTER_ROLE = "tapstack-peering-accepter"
PRIVATE_SUBNETS, PRIVATE_SUBNET_PREFIX = 3, 20  # tapstack_blocks.subnets
EPHEMERAL = (1024, 65535)


@dataclass(frozen=True)
class Unknown:
    """A value only known at deploy time (a stack output, a resource id)."""

    what: str


@dataclass
class StackInput:
    """One stack: its rendered template and the parameter values it is launched with."""

    name: str
    environment: str
    region: str
    document: dict
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Facts:
    """What the accounts map and address plan say."""

    accounts: dict[str, str]
    prod_cidrs: list[ipaddress.IPv4Network]
    other_cidrs: list[ipaddress.IPv4Network]  # staging's and dev's VPCs
    sync_subnets: list[ipaddress.IPv4Network]  # prod's private subnets (us-east-1)
    # prod's VPC per region; each region's private subnets are its first PRIVATE_SUBNETS /20s
    prod_regions: dict[str, ipaddress.IPv4Network] = field(default_factory=dict)
    # environment -> the principal its deploy role trusts (config/config.yaml `deployers`)
    deployers: dict[str, str] = field(default_factory=dict)
