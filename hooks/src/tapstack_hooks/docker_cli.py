"""The `docker` commands the image hook runs, each one a subprocess with a clear failure.

Registry credentials go to `docker login` on stdin, into a throwaway DOCKER_CONFIG that the
push uses and that is removed afterwards: nothing is left in ~/.docker, and concurrent hooks
do not share a login.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sceptre.exceptions import SceptreException

STEP_TIMEOUT_SECONDS = 1800


class ImagePushError(SceptreException):
    """A docker step or an ECR call failed."""


class NoDockerDaemonError(ImagePushError):
    """There is no docker client, or it cannot reach a daemon."""


def daemon_problem() -> str | None:
    """Why Docker cannot build here (no client, no daemon), or None when it can."""
    docker = shutil.which("docker")
    if not docker:
        return "no `docker` executable on PATH"
    result = subprocess.run(  # noqa: S603 - the docker client, fixed arguments
        [docker, "version", "--format", "{{.Server.Version}}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        return f"`docker version` cannot reach a daemon: {detail[-1] if detail else 'no output'}"
    return None


def docker(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> None:
    """Run `docker ARGS`; raise ImagePushError with the tail of its output on failure."""
    executable = shutil.which("docker") or "docker"
    result = subprocess.run(  # noqa: S603 - the docker client, arguments built by the hook
        [executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=STEP_TIMEOUT_SECONDS,
        env={**os.environ, **(env or {})},
    )
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-800:]
        raise ImagePushError(f"`docker {args[0]}` failed (exit {result.returncode}): {output}")


@contextmanager
def logged_in(registry: str, username: str, password: str) -> Iterator[dict[str, str]]:
    """A DOCKER_CONFIG holding a login to `registry`, for the commands inside the block."""
    with tempfile.TemporaryDirectory(prefix="tapstack-docker-") as config:
        env = {"DOCKER_CONFIG": config}
        docker(
            "login", "--username", username, "--password-stdin", registry, stdin=password, env=env
        )
        yield env


def build(
    context: Path,
    dockerfile: Path,
    platform: str,
    image: str,
    named_contexts: dict[str, Path] | None = None,
) -> None:
    """`docker build` a single-platform image without attestations (Lambda refuses indexes);
    `named_contexts` become `--build-context NAME=FOLDER`."""
    extra = [f"--build-context={name}={folder}" for name, folder in (named_contexts or {}).items()]
    docker(
        "build",
        "--platform",
        platform,
        "--provenance=false",
        *extra,
        "--file",
        str(dockerfile),
        "--tag",
        image,
        str(context),
    )
