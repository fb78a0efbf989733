"""Static reachability: can anything in staging or dev reach prod's database or prod's roles?

Reads the rendered templates with the parameter values each stack is launched with (values
only Sceptre resolvers that need AWS can give are *unknown*), evaluates conditions and the
intrinsic functions the templates use, and lists every rule that would let staging or dev
open a connection to prod's MySQL port, or assume a prod role:

- security-group egress and NACL egress toward a prod CIDR on 3306 (or all ports), and on
  prod's side any security-group or NACL ingress admitting 3306 from staging or dev;
- routes toward prod other than through a peering connection to prod's sync subnets;
- IAM: a staging/dev policy allowing sts:AssumeRole on prod's account, a prod trust policy
  admitting a staging/dev principal, a staging/dev trust policy admitting any prod principal
  but the sync role with an ExternalId.

Between prod's two regions (a MySQL-only VPC peering) the rules say the same from the other
side: only 3306 may cross. Any security-group ingress admitting the other prod region (the
stateful gate: security groups admit nothing unless a rule says so) must be TCP 3306 exactly;
a security-group egress or NACL entry aimed at the other region must be TCP 3306 (NACL: or
the ephemeral reply ranges without 3306); a route there must go through a peering connection
to the other region's private subnets only.

From prod toward staging and dev, only the sync reaches out: every security-group egress
admitting 3306 toward a staging/dev VPC must be a rule of the sync's own group
(`SyncSecurityGroup`, the peering stack), TCP 3306 exactly, to one of that VPC's private
subnets. The shared Lambda tier, or any other group, with such a rule is a violation: it would
hand every prod function the sync's reach into staging and dev.

An unknown CIDR, port or principal counts as a violation: the proof must not rest on a guess.

The identity plane (tapstack_tools.identity_plane) is part of the proof: staging/dev roles' managed
policies (pinned AWS-managed documents, and the customer-managed ones the same template
defines, such as the deploy role's generated service policies) evaluated with their inline
ones, deployers (prod's is no other environment's, no prod role trusts a staging/dev deployer),
and the roles the staging/dev configs' resolvers and hooks assume
(`identity_plane.config_violations`).
"""

from tapstack_tools.cross_environment_rules import (
    network_violations,
    prod_ingress_violations,
    sync_egress_violations,
)
from tapstack_tools.iam_trust_rules import iam_violations
from tapstack_tools.identity_plane import deployer_violations
from tapstack_tools.reachability_inputs import (
    ACCEPTER_ROLE,
    ALL,
    EPHEMERAL,
    MYSQL,
    PRIVATE_SUBNET_PREFIX,
    PRIVATE_SUBNETS,
    SYNC_GROUP,
    SYNC_ROLE,
    TCP,
    Facts,
    StackInput,
    Unknown,
)
from tapstack_tools.region_path_rules import region_path_violations
from tapstack_tools.template_evaluator import Evaluator

__all__ = [
    "ACCEPTER_ROLE",
    "ALL",
    "EPHEMERAL",
    "MYSQL",
    "PRIVATE_SUBNETS",
    "PRIVATE_SUBNET_PREFIX",
    "SYNC_GROUP",
    "SYNC_ROLE",
    "TCP",
    "Evaluator",
    "Facts",
    "StackInput",
    "Unknown",
    "iam_violations",
    "network_violations",
    "prod_ingress_violations",
    "region_path_violations",
    "sync_egress_violations",
    "violations",
]


def violations(stacks: list[StackInput], facts: Facts) -> list[str]:
    """Every violation of the invariant across the stacks given."""
    found = []
    for stack in stacks:
        if stack.environment == "prod":
            found += prod_ingress_violations(stack, facts)
            found += region_path_violations(stack, facts)
            found += sync_egress_violations(stack, facts)
        else:
            found += network_violations(stack, facts)
        found += iam_violations(stack, facts)
    return found + deployer_violations(facts.deployers)
