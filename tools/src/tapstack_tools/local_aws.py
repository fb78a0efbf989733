"""Start the local AWS (emulator/, moto server) for tests and scripts, and always stop it.

Root-environment side: stdlib and boto3 only. The emulator runs in its own uv project
(`emulator/`), so it is started through `uv run --project emulator`, never imported.

    with running_local_aws() as aws:
        subprocess.run(["sceptre", "launch", "-y", "dev"], env={**os.environ, **aws.env()})
"""

import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import boto3

from tapstack_tools.paths import PROJECT_DIR

EMULATOR_PROJECT = PROJECT_DIR / "emulator"
PROJECT_PYTHON = PROJECT_DIR / ".venv" / "bin" / "python"  # every lambda/ package installed
HEALTH_PATH = "/tapstack-emulator/health"
VPC_RESOLVER_PATH = "/tapstack-emulator/vpc-resolver"
REGION = "us-east-1"
# Requests signed with a key moto does not know are filed under its default account: this is
# the "bootstrap" identity that assumes each environment's deploy role.
BOOTSTRAP_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class LocalAwsError(RuntimeError):
    """The local AWS could not be started."""


@dataclass(frozen=True)
class LocalAws:
    """A running local AWS."""

    endpoint_url: str

    def env(self) -> dict[str, str]:
        """Variables that point sceptre, boto3 and the aws CLI at this local AWS."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            **BOOTSTRAP_CREDENTIALS,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }

    def session(self, region: str = REGION) -> boto3.Session:
        """A boto3 session with the bootstrap identity (clients need `endpoint_url`)."""
        return boto3.Session(
            aws_access_key_id=BOOTSTRAP_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=BOOTSTRAP_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=region,
        )

    def client(self, service: str, region: str = REGION):
        """A boto3 client for `service` on this local AWS."""
        return self.session(region).client(service, endpoint_url=self.endpoint_url)

    def resolve_in_vpc(self, vpc_id: str, region: str, name: str, record_type: str) -> dict:
        """What the Route 53 Resolver of `vpc_id` answers for `name` (the local AWS runs no
        DNS server; docs/emulator.md, "Route 53")."""
        query = urllib.parse.urlencode(
            {"vpc": vpc_id, "region": region, "name": name, "type": record_type}
        )
        url = f"{self.endpoint_url}{VPC_RESOLVER_PATH}?{query}"
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
            return json.load(response)


def uv_executable() -> str:
    """The `uv` on PATH (or the one `uv run` exported as UV), or a clear error."""
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        raise LocalAwsError(
            "uv is not installed or not on PATH; the local AWS runs in its own uv project "
            "(emulator/). Install uv (`python3 -m pip install uv`) and retry."
        )
    return found


def emulator_command(*args: str) -> list[str]:
    """`uv run --project emulator python -m tapstack_emulator ARGS`."""
    return [
        uv_executable(),
        "run",
        "--quiet",
        "--frozen",
        "--project",
        str(EMULATOR_PROJECT),
        "python",
        "-m",
        "tapstack_emulator",
        *args,
    ]


def _child_environment(settings: dict[str, str] | None = None) -> dict[str, str]:
    # The caller usually runs inside the root project's venv; the emulator has its own.
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    # Container-image functions run with the project's interpreter (docs/emulator.md).
    environment.setdefault("TAPSTACK_EMULATOR_IMAGE_PYTHON", str(PROJECT_PYTHON))
    return {**environment, **(settings or {})}


def is_healthy(endpoint_url: str, timeout: float = 2.0) -> bool:
    """True when the emulator at `endpoint_url` answers its health route."""
    try:
        with urllib.request.urlopen(endpoint_url + HEALTH_PATH, timeout=timeout) as response:  # noqa: S310 - loopback only
            return json.loads(response.read()).get("service") == "tapstack-emulator"
    except (OSError, ValueError, urllib.error.URLError):
        return False


@contextmanager
def running_local_aws(
    state_dir: Path | None = None,
    timeout: float = 120.0,
    settings: dict[str, str] | None = None,
) -> Iterator[LocalAws]:
    """Start the local AWS on a free 127.0.0.1 port, yield it, always stop it.

    Without `state_dir` it runs as a child process (`serve`); with one, through the
    emulator's `start`/`stop` commands, which keep pid and port there. `settings` are extra
    environment variables of the emulator (e.g. TAPSTACK_EMULATOR_MONITORING_MINUTE_SECONDS,
    docs/emulator.md).
    """
    if state_dir is not None:
        with _started_in(Path(state_dir), timeout, settings) as aws:
            yield aws
    else:
        with _served(timeout, settings) as aws:
            yield aws


@contextmanager
def _served(timeout: float, settings: dict[str, str] | None = None) -> Iterator[LocalAws]:
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603 - fixed command
            emulator_command("serve", "--port", "0"),
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=PROJECT_DIR,
            env=_child_environment(settings),
            start_new_session=True,
        )
        try:
            endpoint_url = _read_endpoint(process, timeout, log)
            yield LocalAws(endpoint_url)
        finally:
            _stop(process)


def _read_endpoint(process: subprocess.Popen, timeout: float, log: IO[bytes]) -> str:
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            endpoint_url = lines.get(timeout=0.2).strip()
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        if endpoint_url.startswith("http://127.0.0.1:") and _wait_healthy(endpoint_url, deadline):
            return endpoint_url
        break
    log.seek(0)
    tail = log.read().decode(errors="replace")[-4000:]
    state = f"exited with code {process.poll()}" if process.poll() is not None else "timed out"
    raise LocalAwsError(
        f"the local AWS did not start ({state} after at most {timeout:.0f} s):\n{tail}"
    )


def _wait_healthy(endpoint_url: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if is_healthy(endpoint_url):
            return True
        time.sleep(0.1)
    return False


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group (uv and python), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    if process.stdout is not None:
        process.stdout.close()


@contextmanager
def _started_in(
    state_dir: Path, timeout: float, settings: dict[str, str] | None = None
) -> Iterator[LocalAws]:
    state_dir = state_dir.resolve()
    command = emulator_command("start", "--state-dir", str(state_dir), "--timeout", str(timeout))
    result = subprocess.run(  # noqa: S603 - fixed command
        command, capture_output=True, text=True, cwd=PROJECT_DIR, env=_child_environment(settings)
    )
    if result.returncode != 0:
        raise LocalAwsError(f"the local AWS did not start:\n{result.stderr or result.stdout}")
    try:
        yield LocalAws(result.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(  # noqa: S603 - fixed command
            emulator_command("stop", "--state-dir", str(state_dir)),
            capture_output=True,
            cwd=PROJECT_DIR,
            env=_child_environment(),
            check=False,
        )
