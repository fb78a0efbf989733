"""`python -m tapstack_emulator start/status/stop`: background lifecycle through a state dir."""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest


def _alive(pid: int) -> bool:
    """Running (a zombie left for PID 1 to reap counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def emulator(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "tapstack_emulator", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def state_dir(tmp_path):
    yield tmp_path / "emulator"
    emulator("stop", "--state-dir", str(tmp_path / "emulator"))


def test_start_status_stop(state_dir):
    env_file = state_dir / "env"
    started = emulator("start", "--state-dir", str(state_dir), "--env-file", str(env_file))
    assert started.returncode == 0, started.stderr
    endpoint = started.stdout.strip()
    assert endpoint.startswith("http://127.0.0.1:")
    state = json.loads((state_dir / "server.json").read_text())
    with urllib.request.urlopen(endpoint + "/tapstack-emulator/health") as response:  # noqa: S310
        assert json.loads(response.read())["pid"] == state["pid"]
    assert f"AWS_ENDPOINT_URL={endpoint}\n" in env_file.read_text()

    again = emulator("start", "--state-dir", str(state_dir))
    assert again.stdout.strip() == endpoint  # already running: the same server

    status = emulator("status", "--state-dir", str(state_dir))
    assert (status.returncode, status.stdout.strip()) == (
        0,
        f"running at {endpoint} (pid {state['pid']})",
    )

    assert emulator("stop", "--state-dir", str(state_dir)).stdout.strip() == "stopped"
    assert not _alive(state["pid"])
    assert emulator("stop", "--state-dir", str(state_dir)).stdout.strip() == "not running"
    assert emulator("status", "--state-dir", str(state_dir)).returncode == 3


def test_start_reports_a_server_that_cannot_bind(state_dir, endpoint):
    port = endpoint.rsplit(":", 1)[1]  # the session's server holds this port
    started = emulator("start", "--state-dir", str(state_dir), "--port", port, "--timeout", "30")
    assert started.returncode == 1
    assert "exited with code" in started.stderr
    assert not (state_dir / "server.json").exists()
