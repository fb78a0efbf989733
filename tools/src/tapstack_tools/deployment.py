"""Drive `sceptre` over stack groups and read back what they deployed.

Shared by the demo (`make demo`), `make up`, the end-to-end tests and the benches. Every command
is one of the README's (the constants below; tests/test_readme_commands.py keeps the two
together) and goes through the real `sceptre` CLI with every environment's deployer profile
available (tapstack_tools.deployers), as an operator of the whole estate runs it; read-backs go
through
Sceptre's own connection manager, so they assume each group's deploy role exactly as a launch
does, as that environment's deployer. Each run records what the command wrote to CloudFormation
and which roles it assumed, from the local AWS's journals (docs/emulator.md).
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from botocore.exceptions import ClientError
from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan
from tapstack_hooks.build_context import context_files, context_tag

from tapstack_tools import deployers
from tapstack_tools.image_push import dockerfile_settings, push_image
from tapstack_tools.paths import PROJECT_DIR

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
# Outputs the summary shows: (output, label, how to show it).
KEY_OUTPUTS = (
    ("KeyAlias", "key", str),
    ("VpcCidr", "vpc", str),
    ("PrivateSubnetIds", "subnets", lambda ids: str(len(ids.split(",")))),
    ("MigrationBucketName", "migration-bucket", str),
    ("ClusterEndpoint", "writer", str),
    ("ClusterPort", "port", str),
    ("SchemaVersion", "schema-version", str),
    ("GlobalClusterIdentifier", "global-db", str),
    ("BaselineStackSetId", "stackset", lambda value: value.split(":", 1)[0]),
    ("WriterDnsName", "writer-dns", str),
    ("ValidatorImageUri", "validator-image", lambda uri: uri.rsplit("@", 1)[1]),
    ("AcceptedPeeringConnectionId", "accepts", str),
)
VALIDATOR_CONTEXT = PROJECT_DIR / "lambda" / "validator"
REPOSITORY_OUTPUT_SUFFIX = "RepositoryName"  # templates/registry.py: {Function}RepositoryName
deployers.install()


def forget_connections() -> None:
    """Drop the sessions and clients Sceptre caches for the whole process: each is bound to the
    endpoint of the local AWS that was running when it was made (a bench starts several)."""
    from sceptre.connection_manager import ConnectionManager

    for cache_of in ("_boto_sessions", "_boto_session_expirations", "_clients"):
        getattr(ConnectionManager, cache_of).clear()


def group_launch(group: str) -> tuple[str, ...]:
    """`sceptre launch -y GROUP`: one group (README)."""
    return ("launch", "-y", group)


def group_diff(group: str) -> tuple[str, ...]:
    """`sceptre diff GROUP`: one group's stacks against what is deployed (README)."""
    return ("diff", group)


def registry_launch(group: str) -> tuple[str, ...]:
    """`sceptre launch -y GROUP/registry.yaml`: the repositories CI publishes images into."""
    return tuple(REGISTRY_LAUNCH.format(group=group).split(" "))


@dataclass
class SceptreRun:
    """One finished `sceptre` command, and what it did in AWS (the local AWS's journals)."""

    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float
    # Every AssumeRole it made (or tried): {"caller", "role", "admitted"}, in order.
    assumed: tuple[dict, ...] = ()
    # Every CloudFormation write it made (or tried): {"action", "account", "region", "stack",
    # "caller"}, in order.
    writes: tuple[dict, ...] = ()
    # Every signed call made while it ran, with its caller: the local AWS's call journal.
    calls: tuple[dict, ...] = ()

    @property
    def assumed_roles(self) -> tuple[str, ...]:
        """The ARNs of the roles it assumed (or tried to)."""
        return tuple(entry["role"] for entry in self.assumed)


@dataclass
class StackState:
    """What CloudFormation reports for one stack."""

    name: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)


def run_sceptre(
    *args: str,
    env: dict[str, str] | None = None,
    echo: bool = False,
    on_line: Callable[[str], None] | None = None,
    timeout: float = 1800,
    project_dir: Path = PROJECT_DIR,
) -> SceptreRun:
    """Run `sceptre --dir PROJECT ARGS` with every deployer profile available; with echo, stream
    its output as it comes; `on_line` sees each line as it comes."""
    started = time.perf_counter()
    assumed_from, written_from, calls_from = (journal(name)["next"] for name in JOURNALS)
    process = subprocess.Popen(  # noqa: S603 - fixed executable, arguments from our code
        [SCEPTRE, "--dir", str(project_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**deployers.command_environment(), **(env or {})},
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if echo:
            print(f"    {line}", end="", flush=True)
        if on_line:
            on_line(line)
    returncode = process.wait(timeout=timeout)
    seconds = time.perf_counter() - started
    assumed = tuple(journal("assume-role", assumed_from)["entries"])
    writes = tuple(journal("cloudformation", written_from)["entries"])
    calls = tuple(journal("call", calls_from)["entries"])
    return SceptreRun(args, returncode, "".join(lines), seconds, assumed, writes, calls)


JOURNALS = ("assume-role", "cloudformation", "call")


def journal(name: str, since: int = 0) -> dict:
    """The local AWS's `name` journal from entry `since` (empty without a local AWS)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if not endpoint.startswith("http://127.0.0.1:"):
        return {"entries": [], "next": 0}
    url = f"{endpoint}/tapstack-emulator/{name}-journal?since={since}"
    # the call journal of a whole-estate launch is tens of thousands of entries
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - loopback only
        return json.load(response)


def registry_outputs(group: str) -> dict[str, str]:
    """The outputs of the group's registry stack."""
    (registry,) = [s for s in stacks_of(group) if s.name.endswith("/registry")]
    described = registry.connection_manager.call(
        "cloudformation", "describe_stacks", {"StackName": registry.external_name}
    )["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def publish_image(group: str, repository: str, context: Path) -> str:
    """Put the image built from `context` in the group's `repository`, as CI's `docker push`
    would: this machine has no Docker daemon, and the local AWS has no registry endpoint Docker
    could push to, so the manifest and blobs go through the ECR API (tapstack_tools.image_push). The
    tag is the one `!push_lambda_image` computes, so the hook finds it and skips; the digest it
    reports is what `!ecr_image_digest` pins. Returns `repository:tag@digest`."""
    (registry,) = [s for s in stacks_of(group) if s.name.endswith("/registry")]
    tag = context_tag(context)

    def call(command_name: str, kwargs: dict) -> dict:
        return registry.connection_manager.call("ecr", command_name, kwargs)

    try:
        found = call(
            "describe_images", {"repositoryName": repository, "imageIds": [{"imageTag": tag}]}
        )
        digest = found["imageDetails"][0]["imageDigest"]
    except ClientError as err:
        if "ImageNotFound" not in str(err):
            raise
        files = {name: path.read_bytes() for name, path in context_files(context).items()}
        settings = dockerfile_settings(context / "Dockerfile")
        digest = push_image(call, repository, tag, files, settings)
    return f"{repository}:{tag}@{digest}"


def function_context(repository_output: str) -> Path:
    """lambda/<function>, the build context of the registry output naming its repository
    (`SecureParameterRepositoryName` -> lambda/secure_parameter)."""
    camel = repository_output.removesuffix(REPOSITORY_OUTPUT_SUFFIX)
    return PROJECT_DIR / "lambda" / re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()


def publish_images(group: str) -> list[str]:
    """Every function image the group's registry has a repository for (templates/registry.py)."""
    outputs = registry_outputs(group)
    return [
        publish_image(group, repository, function_context(output))
        for output, repository in sorted(outputs.items())
        if output.endswith(REPOSITORY_OUTPUT_SUFFIX)
    ]


def stacks_of(group: str) -> list:
    """The Sceptre stacks of a group, in the order Sceptre launches them."""
    order = launch_order()
    context = SceptreContext(project_path=str(PROJECT_DIR), command_path=group)
    return sorted(SceptrePlan(context).command_stacks, key=lambda s: (order[s.name], s.name))


@cache
def launch_order() -> dict[str, int]:
    """Each stack's batch (1, 2, ...) in the whole estate's launch, from Sceptre's own graph."""
    return {
        stack.name: batch for batch, stacks in enumerate(estate_batches(), 1) for stack in stacks
    }


def estate_batches(command: str = "launch") -> list[list]:
    """The whole estate's stacks as Sceptre runs `sceptre COMMAND ''`: batches of stacks, each
    started when the previous one has finished, in name order within a batch."""
    plan = SceptrePlan(SceptreContext(project_path=str(PROJECT_DIR), command_path=""))
    plan.resolve(command, reverse=command == "delete")
    return [sorted(batch, key=lambda stack: stack.name) for batch in plan.launch_order]


def group_state(group: str) -> list[StackState]:
    """Status and outputs of every stack of a group, read through its deploy role."""
    states = []
    for stack in stacks_of(group):
        try:
            response = stack.connection_manager.call(
                "cloudformation", "describe_stacks", {"StackName": stack.external_name}
            )
        except ClientError as err:
            if "does not exist" not in str(err):
                raise
            states.append(StackState(stack.name, "NOT_DEPLOYED"))
            continue
        (described,) = response["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        states.append(StackState(stack.name, described["StackStatus"], outputs))
    return states


@dataclass
class PeeringState:
    """One peering connection as each side's account sees it."""

    connection_id: str
    requester: str  # "env vpc-…"
    accepter: str
    requester_status: str
    accepter_status: str


def peering_states(group: str = "prod/us-east-1") -> list[PeeringState]:
    """Each connection the group's peering stack outputs, read in both accounts."""
    stacks = {stack.name: stack for stack in stacks_of(group)}
    peering = stacks.get(f"{group}/peering")
    if peering is None:
        return []
    (state,) = [s for s in group_state(group) if s.name == peering.name]
    accounts = peering.stack_group_config["accounts"]
    environment_of = {str(account): env for env, account in accounts.items()}
    states = []
    for _output, connection_id in sorted(state.outputs.items()):
        if not connection_id.startswith("pcx-"):
            continue
        connection = _peering_connection(peering, connection_id)
        accepter_info = connection["AccepterVpcInfo"]
        accepter_env = environment_of[accepter_info["OwnerId"]]
        (accepter_stack,) = [
            s
            for s in stacks_of(f"{accepter_env}/{accepter_info['Region']}")
            if s.name.endswith("/network")
        ]
        seen_by_accepter = _peering_connection(accepter_stack, connection_id)
        requester_info = connection["RequesterVpcInfo"]
        states.append(
            PeeringState(
                connection_id,
                f"{environment_of[requester_info['OwnerId']]} {requester_info['VpcId']}",
                f"{accepter_env} {accepter_info['VpcId']}",
                connection["Status"]["Code"],
                seen_by_accepter["Status"]["Code"],
            )
        )
    return states


def _peering_connection(stack, connection_id: str) -> dict:
    response = stack.connection_manager.call(
        "ec2", "describe_vpc_peering_connections", {"VpcPeeringConnectionIds": [connection_id]}
    )
    (connection,) = response["VpcPeeringConnections"]
    return connection


def format_peering(states: list[PeeringState]) -> str:
    """A table of peering connections and their state in each account."""
    rows = [("peering connection", "requester", "accepter", "requester sees", "accepter sees")]
    rows += [
        (s.connection_id, s.requester, s.accepter, s.requester_status, s.accepter_status)
        for s in states
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def format_summary(timings: dict[str, float], states: dict[str, list[StackState]]) -> str:
    """A readable table: per group, each stack's status, key outputs and the seconds its launch
    took (`timings`, by stack name)."""
    rows = [("group", "stack", "status", "key outputs", "seconds")]
    for group, stack_states in states.items():
        for index, state in enumerate(stack_states):
            shown = "  ".join(
                f"{label}={show(state.outputs[key])}"
                for key, label, show in KEY_OUTPUTS
                if key in state.outputs
            )
            seconds = f"{timings[state.name]:.1f}" if state.name in timings else ""
            rows.append(
                (
                    group if index == 0 else "",
                    state.name.rsplit("/", 1)[1],
                    state.status,
                    shown,
                    seconds,
                )
            )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
