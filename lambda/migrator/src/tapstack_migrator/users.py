"""The least-privilege database users: the migrator, and the sync reader (prod) or writer.

Each run makes a user's grants exactly what is listed here (revoke everything, then grant), so
a table taken off the sync allowlist loses its grant on the next deploy. Passwords come from the
users' own Secrets Manager secrets and are never logged.
"""

import re
from dataclasses import dataclass, field
from typing import Literal

from pymysql.connections import Connection

SyncAccess = Literal["reader", "writer"]

MIGRATOR_PRIVILEGES = (
    "ALTER",
    "ALTER ROUTINE",
    "CREATE",
    "CREATE ROUTINE",
    "CREATE TEMPORARY TABLES",
    "CREATE VIEW",
    "DELETE",
    "DROP",
    "EXECUTE",
    "INDEX",
    "INSERT",
    "LOCK TABLES",
    "REFERENCES",
    "SELECT",
    "SHOW VIEW",
    "TRIGGER",
    "UPDATE",
)
SYNC_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "reader": ("SELECT",),
    "writer": ("SELECT", "INSERT", "UPDATE", "DELETE"),
}
_IDENTIFIER = re.compile(r"[A-Za-z0-9_]{1,64}")
_USER_NAME = re.compile(r"[A-Za-z0-9_]{1,32}")
ACCOUNT_HOST = "%"  # reachability is the security groups' job; the network has no other path


@dataclass(frozen=True)
class Grant:
    """Privileges on one object: a schema (`table=None`) or one of its tables."""

    privileges: tuple[str, ...]
    database: str
    table: str | None = None

    def target(self) -> str:
        """The `ON` clause's object, quoted."""
        table = quote_identifier(self.table) if self.table else "*"
        return f"{quote_identifier(self.database)}.{table}"


@dataclass(frozen=True)
class DatabaseUser:
    """A user and every grant it must have, nothing more."""

    name: str
    password: str = field(repr=False)
    grants: tuple[Grant, ...]

    def __post_init__(self) -> None:
        if not _USER_NAME.fullmatch(self.name):
            raise ValueError(f"database user name {self.name!r}: use 1-32 letters, digits or _")


def quote_identifier(name: str) -> str:
    """`name` in backticks, after checking it is a plain identifier."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain identifier (1-64 letters, digits or _)")
    return f"`{name}`"


def migrator_user(name: str, password: str, database: str) -> DatabaseUser:
    """DDL and DML on the application schema only; no user management, no other schema."""
    return DatabaseUser(name, password, (Grant(MIGRATOR_PRIVILEGES, database),))


def sync_user(
    name: str, password: str, database: str, access: SyncAccess, tables: list[str]
) -> DatabaseUser:
    """SELECT (reader) or SELECT/INSERT/UPDATE/DELETE (writer) on the allow-listed tables only."""
    if not tables:
        raise ValueError("a sync user needs at least one allow-listed table")
    return DatabaseUser(
        name,
        password,
        tuple(Grant(SYNC_PRIVILEGES[access], database, table) for table in sorted(set(tables))),
    )


def ensure_user(connection: Connection, user: DatabaseUser) -> None:
    """Create or update `user` with its password and exactly its grants."""
    account = (user.name, ACCOUNT_HOST)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (*account, user.password)
        )
        cursor.execute("ALTER USER %s@%s IDENTIFIED BY %s", (*account, user.password))
        cursor.execute("REVOKE ALL PRIVILEGES, GRANT OPTION FROM %s@%s", account)
        for grant in user.grants:
            cursor.execute(
                f"GRANT {', '.join(grant.privileges)} ON {grant.target()} TO %s@%s", account
            )
