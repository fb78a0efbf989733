"""The README's `sceptre` commands and the stack groups they run over (tests/test_readme_commands.py
keeps the two together)."""

import sys
from pathlib import Path

SCEPTRE = str(Path(sys.executable).with_name("sceptre"))
ENVIRONMENTS = ("dev", "staging", "prod")
GROUPS = ("dev/us-east-1", "staging/us-east-1", "prod/us-east-1")
# prod's second region and its cross-region stacks (StackSet baseline, Route 53 failover).
SECOND_REGION_GROUPS = ("prod/eu-west-1", "global")
ALL_GROUPS = GROUPS + SECOND_REGION_GROUPS
# The README's commands. Each account's one-time bootstrap, as its admin (README, "Pointing the
# same commands at real AWS"); the whole estate, ordered by Sceptre's graph; and each group's.
BOOTSTRAP_COMMANDS = {
    environment: ("--var", "bootstrap=true", "launch", "-y", f"{environment}/us-east-1/iam.yaml")
    for environment in ENVIRONMENTS
}
ESTATE_LAUNCH = ("launch", "-y", "")
# Group by group on new accounts (README): the accepters, prod's regions, global, then the
# accepters again: their side of prod's peering needs the connection prod's launch requests.
GROUP_BY_GROUP = (
    "staging/us-east-1",
    "dev/us-east-1",
    "prod/us-east-1",
    "prod/eu-west-1",
    "global",
    "staging/us-east-1",
    "dev/us-east-1",
)
ESTATE_DIFF = ("diff", "")
ESTATE_DELETE = ("delete", "-y", "")
# Teardown environment by environment (README): prod's peering before an accepter group (which
# refuses otherwise), then each group; `sceptre delete -y prod` takes both regions and global.
TEARDOWN_BY_ENVIRONMENT = (
    ("delete", "-y", "prod/us-east-1/peering.yaml"),
    ("delete", "-y", "staging/us-east-1"),
    ("delete", "-y", "dev/us-east-1"),
    ("delete", "-y", "prod"),
)
# What CI does before a launch where Docker builds no images (make images): each group's registry.
REGISTRY_LAUNCH = "launch -y {group}/registry.yaml"


def group_launch(group: str) -> tuple[str, ...]:
    """`sceptre launch -y GROUP`: one group (README)."""
    return ("launch", "-y", group)


def group_diff(group: str) -> tuple[str, ...]:
    """`sceptre diff GROUP`: one group's stacks against what is deployed (README)."""
    return ("diff", group)


def registry_launch(group: str) -> tuple[str, ...]:
    """`sceptre launch -y GROUP/registry.yaml`: the repositories CI publishes images into."""
    return tuple(REGISTRY_LAUNCH.format(group=group).split(" "))
