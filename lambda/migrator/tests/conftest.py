"""Fixtures of the migrator tests (the MariaDB server itself comes from lambda/conftest.py)."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pymysql
import pytest
from tapstack_migrator import ConnectionSettings


@dataclass
class LambdaContext:
    """The parts of the Lambda context that Powertools and crhelper read."""

    function_name: str = "tapstack-migrator-dev-main"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:111111111111:function:tapstack-migrator-dev-main"
    )
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef"
    remaining_ms: int = 300_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def settings(mariadb, database) -> ConnectionSettings:
    """Admin credentials on a fresh, empty schema."""
    return ConnectionSettings(
        host=mariadb.host,
        port=mariadb.port,
        user=mariadb.user,
        password=mariadb.password,
        database=database,
    )


@pytest.fixture
def user_names(mariadb) -> Iterator[list[str]]:
    """Names for database users (server-wide), dropped after the test."""
    names = [f"u{uuid.uuid4().hex[:12]}" for _ in range(3)]
    yield names
    admin = pymysql.connect(
        host=mariadb.host, port=mariadb.port, user=mariadb.user, password=mariadb.password
    )
    try:
        with admin.cursor() as cursor:
            for name in names:
                cursor.execute("DROP USER IF EXISTS %s@'%%'", (name,))
    finally:
        admin.close()
