"""Run the real `sceptre` CLI with every deployer profile available, and record what it did in
AWS from the local AWS's journals (docs/emulator.md)."""

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tapstack_tools import deployers
from tapstack_tools.paths import PROJECT_DIR
from tapstack_tools.sceptre_commands import SCEPTRE

TAPSTACK_LAUNCH = str(Path(SCEPTRE).with_name("tapstack-launch"))


def forget_connections() -> None:
    """Drop the sessions and clients Sceptre caches for the whole process: each is bound to the
    endpoint of the local AWS that was running when it was made (a bench starts several)."""
    from sceptre.connection_manager import ConnectionManager

    for cache_of in ("_boto_sessions", "_boto_session_expirations", "_clients"):
        getattr(ConnectionManager, cache_of).clear()


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
    command = [SCEPTRE, "--dir", str(project_dir), *args]
    return _run(command, args, env, echo, on_line, timeout, cwd=None)


def run_tapstack_launch(
    *args: str,
    env: dict[str, str] | None = None,
    echo: bool = False,
    on_line: Callable[[str], None] | None = None,
    timeout: float = 1800,
    project_dir: Path = PROJECT_DIR,
) -> SceptreRun:
    """Run `tapstack-launch ARGS` from PROJECT (tapstack_tools.dependency_launch) exactly as
    run_sceptre runs `sceptre`: same environment, same journals, same timing."""
    return _run([TAPSTACK_LAUNCH, *args], args, env, echo, on_line, timeout, cwd=project_dir)


def _run(
    command: list[str],
    args: tuple[str, ...],
    env: dict[str, str] | None,
    echo: bool,
    on_line: Callable[[str], None] | None,
    timeout: float,
    cwd: Path | None,
) -> SceptreRun:
    started = time.perf_counter()
    assumed_from, written_from, calls_from = (journal(name)["next"] for name in JOURNALS)
    process = subprocess.Popen(  # noqa: S603 - fixed executable, arguments from our code
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**deployers.command_environment(), **(env or {})},
        cwd=cwd,
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
