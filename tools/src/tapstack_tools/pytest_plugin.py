"""The pytest plugin every tapstack suite shares (entry point `pytest11`, installed with this
package): one local AWS per test session, however many folders use it, started on first use and
always stopped.

`local_aws` does not change the process environment; tests that need AWS_ENDPOINT_URL set ask
for `local_aws_env`, which sets it through their own monkeypatch.
"""

from collections.abc import Iterator

import pytest

from tapstack_tools.local_aws import LocalAws, running_local_aws


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """The local AWS (moto server + emulator/, see `tapstack_tools.local_aws`) for the session."""
    with running_local_aws() as aws:
        yield aws


@pytest.fixture
def local_aws_env(local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> LocalAws:
    """The local AWS, with this test's process environment pointing boto3 and sceptre at it."""
    for name, value in local_aws.env().items():
        monkeypatch.setenv(name, value)
    return local_aws
