"""Session fixtures: one emulator server (started through its CLI) and helpers to deploy on it."""

import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from stack_helpers import Stacks

REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    """`python -m tapstack_emulator serve --port 0`: the URL it prints; stopped at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tapstack_emulator", "serve", "--port", "0"],
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
