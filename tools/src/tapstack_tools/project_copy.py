"""A copy of the project's config/, templates/ and policy_rules/ to edit, and the real `sceptre`
CLI run on it with an endpoint that refuses connections (so any AWS call would fail
differently from a config check)."""

import shutil
import subprocess
import sys
from pathlib import Path

from tapstack_tools.paths import PROJECT_DIR

SCEPTRE = str(Path(sys.executable).with_name("sceptre"))


def copy_project(tmp_path: Path) -> Path:
    """Copy config/, templates/ and policy_rules/ (the rules every stack's !cfn_lint hook runs)
    into `tmp_path`, created if need be, and return it: a project Sceptre can render, plan
    and launch."""
    for folder in ("config", "templates", "policy_rules"):  # what a launch reads
        shutil.copytree(PROJECT_DIR / folder, tmp_path / folder)
    return tmp_path


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1))


def run_sceptre(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [SCEPTRE, "--dir", str(project), *args],
        capture_output=True,
        text=True,
        timeout=120,
        # An endpoint that refuses connections: any AWS call would fail differently.
        env={
            "PATH": "/usr/bin:/bin",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
        },
    )
