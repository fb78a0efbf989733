"""Run the server in the background: start it detached, find it again, stop it.

The state directory holds `server.json` (pid, port, endpoint; written by the server itself
once it listens) and `server.log` (its output). `start` waits for the health route with a
bounded wait; `stop` ends the whole process group and is a no-op when nothing runs.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from tapstack_emulator.server import HEALTH_PATH

STATE_FILE = "server.json"
LOG_FILE = "server.log"
DEFAULT_REGION = "us-east-1"
# moto files requests signed with an unknown access key under its default account.
BOOTSTRAP_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class EmulatorError(RuntimeError):
    """The emulator could not be started, found or stopped."""


@dataclass(frozen=True)
class ServerState:
    """What a running server wrote about itself."""

    pid: int
    port: int
    endpoint: str

    def write(self, state_dir: Path) -> None:
        """Write atomically, so a reader never sees half a file."""
        state_dir.mkdir(parents=True, exist_ok=True)
        partial = state_dir / f".{STATE_FILE}.{os.getpid()}"
        partial.write_text(json.dumps(asdict(self)))
        partial.replace(state_dir / STATE_FILE)

    @classmethod
    def read(cls, state_dir: Path) -> "ServerState | None":
        """The state in `state_dir`, or None when there is none."""
        try:
            return cls(**json.loads((state_dir / STATE_FILE).read_text()))
        except FileNotFoundError:
            return None


def client_environment(endpoint: str) -> dict[str, str]:
    """Variables that point sceptre, boto3 and the aws CLI at the emulator."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        **BOOTSTRAP_CREDENTIALS,
        "AWS_DEFAULT_REGION": DEFAULT_REGION,
        "AWS_REGION": DEFAULT_REGION,
    }


def write_env_file(path: Path, endpoint: str) -> None:
    """KEY=VALUE lines, one a line, for `set -a; source FILE` or `sed 's/^/export /'`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in client_environment(endpoint).items()))


def health(endpoint: str, timeout: float = 2.0) -> dict | None:
    """The health document of the emulator at `endpoint`, or None when it does not answer."""
    try:
        with urllib.request.urlopen(endpoint + HEALTH_PATH, timeout=timeout) as response:  # noqa: S310 - http://127.0.0.1 only
            document = json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return document if document.get("service") == "tapstack-emulator" else None


def running(state_dir: Path) -> ServerState | None:
    """The state of the server started in `state_dir`, if that very process still answers."""
    state = ServerState.read(state_dir)
    if state is None:
        return None
    document = health(state.endpoint)
    return state if document is not None and document["pid"] == state.pid else None


def start(state_dir: Path, port: int = 0, timeout: float = 60.0) -> ServerState:
    """Start a detached server (or return the one already running) and wait until healthy."""
    state_dir = state_dir.resolve()
    existing = running(state_dir)
    if existing is not None:
        return existing
    _forget(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / LOG_FILE
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "tapstack_emulator",
                "serve",
                "--port",
                str(port),
                "--state-dir",
                str(state_dir),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop ends all of it
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorError(
                f"the emulator exited with code {process.returncode} while starting; "
                f"its log ({log_path}):\n{_tail(log_path)}"
            )
        state = running(state_dir)
        if state is not None:
            return state
        time.sleep(0.1)
    _terminate(process.pid)
    _forget(state_dir)
    raise EmulatorError(
        f"the emulator did not become healthy within {timeout:.0f} s and was stopped; "
        f"its log ({log_path}):\n{_tail(log_path)}"
    )


def stop(state_dir: Path, timeout: float = 10.0) -> bool:
    """Stop the server started in `state_dir`; True if one was running. Idempotent."""
    state_dir = state_dir.resolve()
    state = ServerState.read(state_dir)
    if state is None:
        return False
    stopped = False
    if running(state_dir) is not None or _alive(state.pid):
        _terminate(state.pid, timeout)
        stopped = True
    _forget(state_dir)
    return stopped


def _terminate(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM the process group `pid` leads; SIGKILL it if it outlives `timeout`."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        waited, _status = os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _is_zombie(pid) and _is_emulator(pid)


def _is_zombie(pid: int) -> bool:
    """An exited process nobody reaped yet (its parent, `start`, is long gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _is_emulator(pid: int) -> bool:
    """Guard against a recycled pid: only a tapstack_emulator process counts."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust the pid
    return b"tapstack_emulator" in cmdline


def _forget(state_dir: Path) -> None:
    (state_dir / STATE_FILE).unlink(missing_ok=True)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
