"""Fixtures every test folder shares (tests/, lambda/, hooks/tests/, resolvers/tests/).

One local AWS per test session, however many folders use it: it is started on first use and
always stopped. It does not change the process environment; tests that need AWS_ENDPOINT_URL
set take `local_aws.env()` into their own monkeypatch.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "tests"))


@pytest.fixture(scope="session")
def local_aws():
    """The local AWS (moto server + emulator/, see tests/local_aws.py) for the session."""
    from local_aws import running_local_aws

    with running_local_aws() as aws:
        yield aws


@pytest.fixture
def local_aws_env(local_aws, monkeypatch):
    """The local AWS, with this test's process environment pointing boto3 and sceptre at it."""
    for name, value in local_aws.env().items():
        monkeypatch.setenv(name, value)
    return local_aws
