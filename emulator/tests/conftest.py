"""Session fixtures: one emulator server (started through its CLI) and helpers to deploy on it."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from stack_helpers import Stacks

REGION = "us-east-1"
LAMBDAS = Path(__file__).with_name("lambdas")
DEFAULT_ACCOUNT = "123456789012"


@pytest.fixture(scope="session")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m tapstack_emulator serve --port 0`: the URL it prints; stopped at the end.
    Container-image functions run with this interpreter plus the tests' tiny handlers, found
    after the function's task root, as installed packages are in the project's environment.
    A schedule's minute lasts one second (test_event_schedules.py)."""
    image_python = tmp_path_factory.mktemp("image-python") / "python"
    image_python.write_text(
        f'#!/bin/sh\nPYTHONPATH="${{PYTHONPATH:+$PYTHONPATH:}}{LAMBDAS}" '
        f'exec "{sys.executable}" "$@"\n'
    )
    image_python.chmod(0o755)
    process = subprocess.Popen(
        [sys.executable, "-m", "tapstack_emulator", "serve", "--port", "0"],
        env={
            **os.environ,
            "TAPSTACK_EMULATOR_IMAGE_PYTHON": str(image_python),
            "TAPSTACK_EMULATOR_SCHEDULE_MINUTE_SECONDS": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def client(endpoint: str) -> Callable[..., Any]:
    """`client("s3")`: a boto3 client of the default account on the emulator."""

    def make(service: str, **credentials: str) -> Any:
        keys = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION, **keys)

    return make


@pytest.fixture(scope="session")
def stacks(client: Callable[..., Any]) -> Stacks:
    """Stacks in the default account."""
    return Stacks(client("cloudformation"))
