"""Fixtures of the sync tests: a second MariaDB server (the first comes from lambda/conftest.py)
as the target, and a pair of fresh databases, prod-like source and staging-marked target."""

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import MySQLdb
import pytest
from tapstack_local_mariadb import MariaDBServer, start_mariadb
from tapstack_migrator.statements import split_statements
from tapstack_sync import Dsn, SyncRequest
from tapstack_sync.connection import connect, quote
from tapstack_sync.guards import CLASS_TABLE, MARKER_TABLE

# prod's table classification, exactly as migrations/ writes it (the sync's second barrier)
CLASSIFICATION = Path(__file__).parents[3] / "migrations" / "V0003__classify_tables.sql"

# The handler reads its settings at import (cold start), as in Lambda.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("SYNC_SOURCE_SECRET", "tapstack/sync/prod-reader")
os.environ.setdefault("SYNC_TARGET_SECRETS", '{"staging": "tapstack/sync/staging-writer"}')
os.environ.setdefault("SYNC_SOURCE_HOST", "prod-reader.invalid")
os.environ.setdefault(
    "SYNC_TARGET_ENDPOINTS",
    '{"staging": {"host": "staging.invalid", "port": 3306, "database": "tapstack",'
    ' "vpc_cidr": "10.2.0.0/16"}}',
)
os.environ.setdefault("SYNC_ALLOWLIST", "currencies,fee_schedules,merchant_categories")


@pytest.fixture(scope="session")
def target_server(tmp_path_factory: pytest.TempPathFactory, server_tls) -> Iterator[MariaDBServer]:
    """A second MariaDB server: the target side (staging/dev) of every sync test (TLS offered
    with the same test CA as the first)."""
    server = start_mariadb(tmp_path_factory.mktemp("mariadb-target"), tls=server_tls)
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Side:
    """One database on one server, with helpers to run SQL and read a table exactly."""

    server: MariaDBServer
    database: str

    @property
    def dsn(self) -> Dsn:
        return Dsn(
            host=self.server.host,
            port=self.server.port,
            user=self.server.user,
            password=self.server.password,
            database=self.database,
        )

    @property
    def url(self) -> str:
        s = self.server
        return f"mysql://{s.user}:{s.password}@{s.host}:{s.port}/{self.database}"

    def run(self, *statements: str | tuple) -> None:
        """Execute statements (a tuple is (sql, args) or (sql, [args...]) for executemany)."""
        connection = connect(self.dsn)
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    if isinstance(statement, str):
                        cursor.execute(statement)
                    elif isinstance(statement[1], list):
                        cursor.executemany(*statement)
                    else:
                        cursor.execute(*statement)
            connection.commit()
        finally:
            connection.close()

    def rows(self, table: str) -> list[tuple]:
        """Every row, server text for every value, ordered by primary key."""
        connection = connect(self.dsn)
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE "
                    "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND INDEX_NAME = 'PRIMARY' "
                    "ORDER BY SEQ_IN_INDEX",
                    (table,),
                )
                keys = ", ".join(quote(row[0]) for row in cursor.fetchall()) or "1"
                cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {keys}")  # noqa: S608
                return list(cursor.fetchall())
        finally:
            connection.close()

    def hex_rows(self, table: str) -> list[tuple]:
        """Every row as the HEX of every column (byte-exact, whatever the collation), sorted."""
        connection = connect(self.dsn)
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
                    "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
                    (table,),
                )
                columns = ", ".join(f"HEX({quote(row[0])})" for row in cursor.fetchall())
                cursor.execute(f"SELECT {columns} FROM {quote(table)}")  # noqa: S608
                return sorted(cursor.fetchall(), key=repr)
        finally:
            connection.close()

    def classify(self, *tables: str, kind: str = "reference") -> None:
        """Classify `tables` that are not classified yet (as migrations/ does for real ones)."""
        self.run(
            (f"INSERT IGNORE INTO {CLASS_TABLE} VALUES (%s, %s)", [(t, kind) for t in tables])  # noqa: S608
        )

    def scalar(self, sql: str):
        connection = connect(self.dsn)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()[0]
        finally:
            connection.close()


def _create(server: MariaDBServer, name: str) -> None:
    admin = MySQLdb.connect(
        host=server.host, port=server.port, user=server.user, password=server.password
    )
    try:
        admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    finally:
        admin.close()


def _drop(server: MariaDBServer, name: str) -> None:
    admin = MySQLdb.connect(
        host=server.host, port=server.port, user=server.user, password=server.password
    )
    try:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.close()


@dataclass
class Pair:
    """A prod-like source and a staging target, with a request factory."""

    source: Side
    target: Side

    def both(self, *statements: str | tuple) -> None:
        """Run the same statements on both sides."""
        self.source.run(*statements)
        self.target.run(*statements)

    def request(self, *tables: str, **options) -> SyncRequest:
        """A request for `tables` (the allowlist is exactly these tables unless given); test
        tables prod's classification does not know yet are classified as reference data."""
        options.setdefault("allowlist", list(tables))
        self.source.classify(*tables)
        return SyncRequest(
            source=self.source.dsn, target=self.target.dsn, tables=list(tables), **options
        )

    def identical(self, table: str) -> bool:
        return self.source.rows(table) == self.target.rows(table)


@pytest.fixture
def new_side(mariadb: MariaDBServer, target_server: MariaDBServer) -> Iterator[Callable]:
    """`new_side("source"|"target", env=None)`: a fresh database, dropped afterwards."""
    made: list[Side] = []

    def make(where: str, env: str | None = None) -> Side:
        server = mariadb if where == "source" else target_server
        side = Side(server, f"sync_{uuid.uuid4().hex[:12]}")
        _create(server, side.database)
        made.append(side)
        if env:
            side.run(
                f"CREATE TABLE {MARKER_TABLE} (name VARCHAR(32) NOT NULL PRIMARY KEY)",
                (f"INSERT INTO {MARKER_TABLE} VALUES (%s)", (env,)),  # noqa: S608
            )
        if where == "source":
            side.run(*split_statements(CLASSIFICATION.read_text()))
        return side

    yield make
    for side in made:
        _drop(side.server, side.database)


@pytest.fixture
def pair(new_side) -> Pair:
    """Prod-like source (marked prod) on one server, staging target on the other."""
    return Pair(new_side("source", "prod"), new_side("target", "staging"))


class GeneralLog:
    """Every statement the source server receives while recording (its general log)."""

    def __init__(self, side) -> None:
        self.side = side

    def __enter__(self) -> "GeneralLog":
        self.side.run(
            "SET GLOBAL general_log = 'OFF'",
            "SET GLOBAL log_output = 'TABLE'",
            "TRUNCATE TABLE mysql.general_log",
            "SET GLOBAL general_log = 'ON'",
        )
        return self

    def __exit__(self, *exc) -> None:
        self.side.run("SET GLOBAL general_log = 'OFF'")

    def statements(self) -> list[str]:
        connection = MySQLdb.connect(
            host=self.side.server.host, port=self.side.server.port, user=self.side.server.user,
            password=self.side.server.password, charset="utf8mb4",
        )  # fmt: skip
        try:
            cursor = connection.cursor()
            cursor.execute(
                "SELECT CONVERT(argument USING utf8mb4) FROM mysql.general_log "
                "WHERE command_type IN ('Query', 'Execute', 'Prepare')"
            )
            return [row[0] for row in cursor.fetchall()]
        finally:
            connection.close()


@pytest.fixture
def source_log(pair) -> GeneralLog:
    """`with source_log as log:` records what the source (prod) server receives."""
    return GeneralLog(pair.source)
