"""Fixtures of the migrator tests (the MariaDB server itself comes from lambda/conftest.py)."""

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
