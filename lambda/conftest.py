"""Server fixtures shared by every Lambda's tests: one MariaDB server for the session."""

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from mariadb_server import MariaDBServer, start_mariadb


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    """A MariaDB server on 127.0.0.1 for the whole session; fails loudly when not installed."""
    server = start_mariadb(tmp_path_factory.mktemp("mariadb"))
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
