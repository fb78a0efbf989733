"""Fixtures of the migrator tests (the MariaDB server itself comes from lambda/conftest.py)."""

import uuid
from collections.abc import Iterator

import pymysql
import pytest
from tapstack_migrator import ConnectionSettings


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
