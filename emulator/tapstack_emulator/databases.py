"""Local Aurora: one MariaDB server per account, started on first use, stopped with the emulator.

A DB cluster is a database and its master user on the account's server. The server lifecycle is
the project's package `tapstack_local_mariadb` (shared with the lambda tests); each server
presents a certificate from the emulator's CA.
"""

import threading
from dataclasses import dataclass

import pymysql
from tapstack_local_mariadb import MariaDBServer, MariaDBUnavailableError, start_mariadb

from tapstack_emulator import runtime, tls

# What Aurora MySQL grants its master user (no SUPER, no FILE, no SHUTDOWN).
MASTER_PRIVILEGES = (
    "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, "
    "SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, "
    "REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, "
    "EVENT, TRIGGER"
)

_lock = threading.Lock()
_servers: dict[str, MariaDBServer] = {}
_owners: dict[tuple[str, str, str], str] = {}  # (account, "database"|"user", name) -> cluster


class LocalDatabaseError(RuntimeError):
    """The local database server cannot provide what a cluster asks for."""


@dataclass(frozen=True)
class Endpoint:
    """Where a cluster's clients connect."""

    host: str
    port: int


def server_for(account_id: str) -> MariaDBServer:
    """The account's MariaDB server, started (presenting the emulator's certificate) if needed."""
    with _lock:
        server = _servers.get(account_id)
        if server is None or server.process.poll() is not None:
            base_dir = runtime.work_dir() / "mariadb" / account_id
            try:
                server = start_mariadb(base_dir, user="tapstack_emulator", tls=tls.files())
            except MariaDBUnavailableError as err:
                raise LocalDatabaseError(f"local Aurora needs MariaDB: {err}") from err
            _servers[account_id] = server
            runtime.on_shutdown(f"MariaDB of {account_id}", server.stop)
        return server


def _admin(account_id: str) -> pymysql.connections.Connection:
    server = server_for(account_id)
    return pymysql.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        autocommit=True,
        connect_timeout=10,
    )


def _claim(account_id: str, kind: str, name: str, cluster: str) -> None:
    owner = _owners.get((account_id, kind, name))
    if owner not in (None, cluster):
        raise LocalDatabaseError(
            f"the local AWS hosts every cluster of account {account_id} on one MariaDB server, "
            f"and {kind} {name!r} already belongs to cluster {owner}"
        )
    _owners[(account_id, kind, name)] = cluster


def provision(
    account_id: str, cluster: str, database: str | None, user: str, password: str
) -> Endpoint:
    """Create the cluster's database (if named) and master user; return the server's endpoint."""
    _claim(account_id, "user", user, cluster)
    if database:
        _claim(account_id, "database", database, cluster)
    connection = _admin(account_id)
    try:
        with connection.cursor() as cursor:
            if database:
                cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{_identifier(database)}`")
            cursor.execute("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (user, password))
            cursor.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (user, password))
            cursor.execute(
                f"GRANT {MASTER_PRIVILEGES} ON *.* TO %s@'%%' WITH GRANT OPTION", (user,)
            )
    finally:
        connection.close()
    server = server_for(account_id)
    return Endpoint(server.host, server.port)


def set_password(account_id: str, user: str, password: str) -> None:
    """Give the master user a new password (rotation)."""
    connection = _admin(account_id)
    try:
        with connection.cursor() as cursor:
            cursor.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (user, password))
    finally:
        connection.close()


def drop(account_id: str, cluster: str, database: str | None, user: str) -> None:
    """Drop the cluster's database and master user (already gone is fine)."""
    if account_id not in _servers:
        return
    connection = _admin(account_id)
    try:
        with connection.cursor() as cursor:
            users = {(user, "%")}
            if database:
                # Users the cluster's own code created for this database go with it, too.
                cursor.execute(
                    "SELECT User, Host FROM mysql.db WHERE Db = %s "
                    "UNION SELECT User, Host FROM mysql.tables_priv WHERE Db = %s",
                    (database, database),
                )
                users |= {(name, host) for name, host in cursor.fetchall()}
                cursor.execute(f"DROP DATABASE IF EXISTS `{_identifier(database)}`")
            for name, host in sorted(users):
                if _owners.get((account_id, "user", name), cluster) == cluster:
                    cursor.execute("DROP USER IF EXISTS %s@%s", (name, host))
    finally:
        connection.close()
    for key in [k for k, owner in _owners.items() if k[0] == account_id and owner == cluster]:
        del _owners[key]


def _identifier(name: str) -> str:
    if not name.replace("_", "").replace("$", "").isalnum() or len(name) > 64:
        raise LocalDatabaseError(f"not a database name MySQL accepts: {name!r}")
    return name
