"""Drive `sceptre` over stack groups and read back what they deployed.

Shared by the demo (`make demo`), the end-to-end tests and bench/launch_bench.py. Commands go
through the real `sceptre` CLI; read-backs go through Sceptre's own connection manager, so
they assume each group's deploy role exactly as a launch does.
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import ClientError
from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan

PROJECT_DIR = Path(__file__).resolve().parents[1]
SCEPTRE = str(Path(sys.executable).with_name("sceptre"))
GROUPS = ("dev/us-east-1", "staging/us-east-1", "prod/us-east-1")
# Outputs the summary shows, and how: subnet ids are counted, bucket names shown whole.
KEY_OUTPUTS = {
    "KeyAlias": str,
    "VpcId": str,
    "VpcCidr": str,
    "PrivateSubnetIds": lambda ids: f"{len(ids.split(','))} private",
    "MigrationBucketName": str,
    "AuditLogBucketName": str,
    "ClusterEndpoint": str,
    "ClusterPort": str,
}


@dataclass
class SceptreRun:
    """One finished `sceptre` command."""

    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float


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
    """Run `sceptre --dir PROJECT ARGS`; with echo, stream its output as it comes."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - fixed executable, arguments from our code
        [SCEPTRE, "--dir", str(project_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if echo:
            print(f"    {line}", end="", flush=True)
    returncode = process.wait(timeout=timeout)
    return SceptreRun(args, returncode, "".join(lines), time.perf_counter() - started)


def stacks_of(group: str) -> list:
    """The Sceptre stacks of a group, in name order."""
    context = SceptreContext(project_path=str(PROJECT_DIR), command_path=group)
    return sorted(SceptrePlan(context).command_stacks, key=lambda stack: stack.name)


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


def format_summary(timings: dict[str, float], states: dict[str, list[StackState]]) -> str:
    """A readable table: per group, each stack's status and key outputs, and the time taken."""
    rows = [("group", "stack", "status", "key outputs", "seconds")]
    for group, stack_states in states.items():
        for index, state in enumerate(stack_states):
            shown = "  ".join(
                f"{key.removesuffix('Name').removesuffix('Ids')}={show(state.outputs[key])}"
                for key, show in KEY_OUTPUTS.items()
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
