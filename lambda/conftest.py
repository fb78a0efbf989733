"""Fixtures shared by every Lambda's tests: MariaDB servers (tapstack_local_mariadb), a Lambda
context, a recorder for the responses crhelper sends to CloudFormation, the JSON event fixtures
of a suite's `events` folder, and its handler module imported afresh (the suite names it with a
`handler_name` fixture). The local AWS fixtures come from the tapstack_tools pytest plugin."""

import copy
import functools
import importlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest
from crhelper import CfnResource
from tapstack_local_mariadb import MariaDBServer, TlsFiles, issue, start_mariadb

LAMBDA_DIR = Path(__file__).parent


@dataclass(frozen=True)
class LambdaContext:
    """The parts of the Lambda context that Powertools and crhelper read."""

    function_name: str = "tapstack-function-dev-main"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:111111111111:function:tapstack-function-dev-main"
    )
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef"
    # Under 16 s left, crhelper skips its wait for the logs on Delete (as it does in Lambda).
    remaining_ms: int = 15_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def lambda_context() -> LambdaContext:
    """A Lambda context with 15 s left."""
    return LambdaContext()


@pytest.fixture
def cfn_responses(monkeypatch) -> Callable[[CfnResource], list[dict]]:
    """`record(helper)`: the bodies `helper` would PUT to the ResponseURL, in order."""

    def record(helper: CfnResource) -> list[dict]:
        sent: list[dict] = []
        send = functools.partial(
            CfnResource._send, helper, send_response=lambda _url, body, _ssl: sent.append(body)
        )
        monkeypatch.setattr(helper, "_send", send)
        return sent

    return record


@pytest.fixture
def load_event(request: pytest.FixtureRequest) -> Callable[[str], dict]:
    """A fresh copy of the JSON event fixture `name` (the `events` folder beside the test)."""
    events = request.path.parent / "events"
    return lambda name: copy.deepcopy(json.loads((events / f"{name}.json").read_text()))


@pytest.fixture
def handler_module(
    monkeypatch: pytest.MonkeyPatch, handler_name: str
) -> Callable[[dict[str, str]], object]:
    """`load(env)`: the suite's handler module (`handler_name`) imported afresh (module-scope
    clients) under `env`."""

    def load(env: dict[str, str]) -> object:
        for name, value in {
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            **env,
        }.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(importlib.import_module(handler_name))

    return load


@pytest.fixture(scope="session")
def server_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """The test servers' CA and certificate (for 127.0.0.1): code that always verifies TLS
    against its packaged RDS bundle gets this CA in its place."""
    return issue(tmp_path_factory.mktemp("server-tls"), "test-rds-ca", ["127.0.0.1"])


@pytest.fixture(scope="session")
def mariadb(
    tmp_path_factory: pytest.TempPathFactory, server_tls: TlsFiles
) -> Iterator[MariaDBServer]:
    """A MariaDB server on 127.0.0.1 for the whole session (TLS offered with `server_tls`'s
    certificate, not required); fails loudly when not installed."""
    server = start_mariadb(tmp_path_factory.mktemp("mariadb"), tls=server_tls)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def database(mariadb: MariaDBServer) -> Iterator[str]:
    """A new empty schema for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = pymysql.connect(
        host=mariadb.host, port=mariadb.port, user=mariadb.user, password=mariadb.password
    )
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}`")
        yield name
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE `{name}`")
    finally:
        admin.close()
