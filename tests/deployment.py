"""Drive `sceptre` over stack groups and read back what they deployed.

Shared by the demo (`make demo`), the end-to-end tests and bench/launch_bench.py. Commands go
through the real `sceptre` CLI, as the deployer of the environment they target
(tests/deployers.py); read-backs go through Sceptre's own connection manager, so they assume
each group's deploy role exactly as a launch does, as that environment's deployer.
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import deployers
from botocore.exceptions import ClientError
from image_push import dockerfile_settings, push_image
from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan
from tapstack_hooks.build_context import context_files, context_tag

PROJECT_DIR = Path(__file__).resolve().parents[1]
SCEPTRE = str(Path(sys.executable).with_name("sceptre"))
GROUPS = ("dev/us-east-1", "staging/us-east-1", "prod/us-east-1")
# prod's second region and its cross-region stacks (StackSet baseline, Route 53 failover).
SECOND_REGION_GROUPS = ("prod/eu-west-1", "global")
DEMO_GROUPS = GROUPS + SECOND_REGION_GROUPS
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
)
STACK_ORDER = (
    "iam",
    "kms",
    "network",
    "storage",
    "registry",
    "monitoring",
    "database",
    "migrations",
    "compute",
    "sync",
    "stackset",
    "dns",
    "peering",
)
VALIDATOR_CONTEXT = PROJECT_DIR / "lambda" / "validator"
REPOSITORY_OUTPUT_SUFFIX = "RepositoryName"  # templates/registry.py: {Function}RepositoryName
deployers.install()


@dataclass
class SceptreRun:
    """One finished `sceptre` command."""

    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float
    # Every role the command assumed (or tried to), in order: the local AWS's AssumeRole journal.
    assumed_roles: tuple[str, ...] = ()
    # Every signed call made while it ran, with its caller: the local AWS's call journal.
    calls: tuple[dict, ...] = ()


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
    timeout: float = 900,
    project_dir: Path = PROJECT_DIR,
) -> SceptreRun:
    """Run `sceptre --dir PROJECT ARGS` as the deployer of the environment ARGS target; with
    echo, stream its output as it comes."""
    started = time.perf_counter()
    journal_start = _assume_role_journal()["next"]
    calls_start = call_journal()["next"]
    process = subprocess.Popen(  # noqa: S603 - fixed executable, arguments from our code
        [SCEPTRE, "--dir", str(project_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **deployers.for_command(args), **(env or {})},
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if echo:
            print(f"    {line}", end="", flush=True)
    returncode = process.wait(timeout=timeout)
    assumed = tuple(e["role"] for e in _assume_role_journal(journal_start)["entries"])
    calls = tuple(call_journal(calls_start)["entries"])
    seconds = time.perf_counter() - started
    return SceptreRun(args, returncode, "".join(lines), seconds, assumed, calls)


def _journal(name: str, since: int) -> dict:
    """A journal of the local AWS from entry `since` (empty without a local AWS)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if not endpoint.startswith("http://127.0.0.1:"):
        return {"entries": [], "next": 0}
    url = f"{endpoint}/tapstack-emulator/{name}?since={since}"
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - loopback only
        return json.load(response)


def _assume_role_journal(since: int = 0) -> dict:
    """The local AWS's AssumeRole journal from entry `since`."""
    return _journal("assume-role-journal", since)


def call_journal(since: int = 0) -> dict:
    """The local AWS's journal of signed calls (caller, action, resource) from entry `since`."""
    return _journal("call-journal", since)


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
    could push to, so the manifest and blobs go through the ECR API (tests/image_push.py). The
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


def launch_group(group: str, echo: bool = False, variables: tuple[str, ...] = ()) -> SceptreRun:
    """`sceptre [VARIABLES] launch` a group: its registry first, then its images are published
    (`publish_images`), then everything. A group without a registry stack is
    launched as it is."""
    if not (PROJECT_DIR / "config" / group / "registry.yaml").is_file():
        return run_sceptre(*variables, "launch", "-y", group, echo=echo)
    calls_start = call_journal()["next"]  # the images' publication included
    registry = run_sceptre(*variables, "launch", "-y", f"{group}/registry.yaml", echo=echo)
    if registry.returncode != 0:
        return registry
    for published in publish_images(group):
        if echo:
            print(f"    (no Docker daemon) published an image as CI would: {published}")
    rest = run_sceptre(*variables, "launch", "-y", group, echo=echo)
    return SceptreRun(
        rest.args,
        rest.returncode,
        registry.output + rest.output,
        registry.seconds + rest.seconds,
        registry.assumed_roles + rest.assumed_roles,
        tuple(call_journal(calls_start)["entries"]),
    )


def launch_in_order(
    groups: tuple[str, ...] = GROUPS, echo: bool = False, announce=lambda _line: None
) -> dict[str, SceptreRun]:
    """Bring every group up on a new setup, in the only order that works (architecture.md).

    1. bootstrap each account's iam stack; 2. the accepters (staging, dev) without the peering
    side, since prod's peering stack does not exist yet; 3. prod, whose peering stack the hook
    accepts in both accepter accounts; 4. the accepters' networks again: routes back to prod's
    sync subnets and MySQL from them; 5. prod's second region, whose peering stack requests
    the MySQL-only connection to prod/us-east-1 (the hook accepts it there); 6. prod/us-east-1's
    network again: its side of that path; 7. the other groups of `groups` (global). Groups go
    through `launch_group` (registry and images first).
    Needs the local AWS in the process environment. Returns each step's run; raises on the
    first failure.
    """
    accepters = [group for group in GROUPS if not group.startswith("prod/")]
    prod = [group for group in GROUPS if group.startswith("prod/")]
    off = ("--var", "peering=off")
    steps = [
        (f"{group} bootstrap", (*("--var", "bootstrap=true"), "launch", "-y", f"{group}/iam.yaml"))
        for group in groups
        if (PROJECT_DIR / "config" / group / "iam.yaml").is_file()  # home regions only
    ]
    # prod/us-east-1's network reads the inter-region peering of prod's second region, which
    # does not exist yet either (region_peering=off until it does).
    region_off = ("--var", "region_peering=off")
    steps += [(group, off) for group in accepters] + [(group, off + region_off) for group in prod]
    steps += [
        (f"{group} peering", ("launch", "-y", f"{group}/network.yaml")) for group in accepters
    ]
    second_regions = [g for g in groups if g not in GROUPS and g.startswith("prod/")]
    steps += [(group, region_off) for group in second_regions]
    steps += [
        (f"{group} region peering", ("launch", "-y", f"{group}/network.yaml"))
        for group in prod
        if second_regions
    ]
    steps += [(group, ()) for group in groups if group not in GROUPS + tuple(second_regions)]
    runs = {}
    for label, args in steps:
        if label in groups:
            announce(f"sceptre {' '.join(args)} launch -y {label}".replace("  ", " "))
            result = launch_group(label, echo=echo, variables=args)
        else:
            announce(f"sceptre {' '.join(args)}")
            result = run_sceptre(*args, echo=echo)
        if result.returncode != 0:
            raise RuntimeError(f"{label} failed:\n{result.output[-4000:]}")
        runs[label] = result
    return runs


def stacks_of(group: str) -> list:
    """The Sceptre stacks of a group, in launch order."""
    context = SceptreContext(project_path=str(PROJECT_DIR), command_path=group)

    def launch_order(stack) -> tuple[int, str]:
        short = stack.name.rsplit("/", 1)[1]
        return (STACK_ORDER.index(short) if short in STACK_ORDER else len(STACK_ORDER), short)

    return sorted(SceptrePlan(context).command_stacks, key=launch_order)


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
    """A readable table: per group, each stack's status and key outputs, and the time taken."""
    rows = [("group", "stack", "status", "key outputs", "seconds")]
    for group, stack_states in states.items():
        for index, state in enumerate(stack_states):
            shown = "  ".join(
                f"{label}={show(state.outputs[key])}"
                for key, label, show in KEY_OUTPUTS
                if key in state.outputs
            )
            seconds = f"{timings[group]:.1f}" if index == 0 and group in timings else ""
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
