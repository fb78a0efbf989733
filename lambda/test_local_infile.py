"""No Lambda's database connection lets a server read a local file: `LOAD DATA LOCAL INFILE`
asks the *client* for a file, so a rogue or compromised server could otherwise pull any file
the function can read (its code, the CA bundle, /proc/self/environ). Each connection factory
is tried against a real server that allows LOCAL INFILE; a control connection shows the same
statement succeeds when the client permits it (mariadb)."""

from pathlib import Path

import MySQLdb
import pymysql
import pytest
from tapstack_local_mariadb import MariaDBServer
from tapstack_migrator.connection import ConnectionSettings
from tapstack_rotation.database import connector
from tapstack_sync import Dsn
from tapstack_sync.connection import connect as sync_connect
from tapstack_validator.database import DatabaseSettings

pytestmark = pytest.mark.mariadb


def _sync(server: MariaDBServer, database: str):
    return sync_connect(
        Dsn(host=server.host, port=server.port, user=server.user, password=server.password,
            database=database)
    )  # fmt: skip


def _migrator(server: MariaDBServer, database: str):
    return ConnectionSettings(
        host=server.host, port=server.port, user=server.user, password=server.password,
        database=database,
    ).connect()  # fmt: skip


def _rotation(server: MariaDBServer, database: str):
    secret = {"host": server.host, "port": server.port, "username": server.user,
              "password": server.password, "dbname": database}  # fmt: skip
    return connector(None)(secret)


def _validator(server: MariaDBServer, database: str):
    return DatabaseSettings(
        host=server.host, port=server.port, database=database, user=server.user,
        password=server.password,
    ).connect()  # fmt: skip


def _permissive_control(server: MariaDBServer, database: str):
    return MySQLdb.connect(
        host=server.host, port=server.port, user=server.user, password=server.password,
        database=database, local_infile=1, autocommit=True,
    )  # fmt: skip


FACTORIES = {"sync": _sync, "migrator": _migrator, "rotation": _rotation, "validator": _validator}


def _load(connection, path: Path) -> None:
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE IF NOT EXISTS leaked (line VARCHAR(200))")
    cursor.execute(f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE leaked")


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "function-secret.txt"
    path.write_text("what a rogue server wants\n")
    return path


def test_the_server_allows_local_infile_when_a_client_does(mariadb, database, secret_file):
    connection = _permissive_control(mariadb, database)
    try:
        _load(connection, secret_file)
        cursor = connection.cursor()
        cursor.execute("SELECT line FROM leaked")
        assert cursor.fetchall() == (("what a rogue server wants",),)
    finally:
        connection.close()


@pytest.mark.parametrize("factory", FACTORIES.values(), ids=FACTORIES.keys())
def test_no_lambda_connection_sends_a_local_file(mariadb, database, secret_file, factory):
    connection = factory(mariadb, database)
    try:
        with pytest.raises((MySQLdb.MySQLError, pymysql.MySQLError)):
            _load(connection, secret_file)
    finally:
        connection.close()
