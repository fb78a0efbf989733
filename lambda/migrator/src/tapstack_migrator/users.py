"""The least-privilege database users: the migrator, the sync reader (prod) or writer, and the
validator (SELECT on the reference tables it reads, nothing else).

Each run makes a user's grants exactly what is listed here (revoke everything, then grant), so
a table taken off the sync allowlist loses its grant on the next deploy. Passwords come from the
users' own Secrets Manager secrets and are never logged.

What the sync needs besides the allow-listed tables (lambda/sync): both sides read the
migrator's history (`schema_history`) to tell "target behind prod" from "schemas differ"; the
writer reads the target's `tapstack_environment` marker; and before a table commits, the writer
checks that no row of a table *outside* the allowlist lost its parent through a foreign key.
MySQL shows a foreign key in information_schema only to a user with a privilege on its table,
so for each such key the writer gets REFERENCES on the other table (visibility, no data) and
SELECT on the key's columns only (the orphan check), never the table's other columns.
"""

import re
from dataclasses import dataclass, field
from typing import Literal

from pymysql.connections import Connection

from tapstack_migrator.environment_marker import MARKER_TABLE
from tapstack_migrator.history import TABLE as HISTORY_TABLE
from tapstack_migrator.table_classes import CLASS_TABLE

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
    """Privileges on one object: a schema (`table=None`), one of its tables, or some columns."""

    privileges: tuple[str, ...]
    database: str
    table: str | None = None
    columns: tuple[str, ...] = ()

    def target(self) -> str:
        """The `ON` clause's object, quoted."""
        table = quote_identifier(self.table) if self.table else "*"
        return f"{quote_identifier(self.database)}.{table}"

    def privilege_list(self) -> str:
        """`SELECT, INSERT`, or with columns `SELECT (`a`, `b`)`."""
        if not self.columns:
            return ", ".join(self.privileges)
        columns = ", ".join(quote_identifier(column) for column in sorted(self.columns))
        return ", ".join(f"{privilege} ({columns})" for privilege in self.privileges)


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


def validator_user(name: str, password: str, database: str, tables: list[str]) -> DatabaseUser:
    """SELECT on the reference tables the validator reads (lambda/validator), nothing else."""
    if not tables:
        raise ValueError("the validator user needs at least one table")
    grants = tuple(Grant(("SELECT",), database, table) for table in sorted(set(tables)))
    return DatabaseUser(name, password, grants)


def sync_user(
    name: str,
    password: str,
    database: str,
    access: SyncAccess,
    tables: list[str],
    boundary: tuple[Grant, ...] = (),
) -> DatabaseUser:
    """SELECT (reader) or SELECT/INSERT/UPDATE/DELETE (writer) on the allow-listed tables; SELECT
    on the history (both), the table classification (reader) and the environment marker
    (writer); `boundary` (writer only)."""
    if not tables:
        raise ValueError("a sync user needs at least one allow-listed table")
    grants = [Grant(SYNC_PRIVILEGES[access], database, table) for table in sorted(set(tables))]
    grants.append(Grant(("SELECT",), database, HISTORY_TABLE))
    if access == "reader":  # the sync checks prod's own classification before reading a table
        grants.append(Grant(("SELECT",), database, CLASS_TABLE))
    if access == "writer":
        grants.append(Grant(("SELECT",), database, MARKER_TABLE))
        grants.extend(boundary)
    elif boundary:
        raise ValueError("only the sync writer checks foreign keys across the allowlist")
    return DatabaseUser(name, password, tuple(grants))


def boundary_grants(connection: Connection, database: str, tables: list[str]) -> tuple[Grant, ...]:
    """For each foreign key between an allow-listed table and one outside the list: REFERENCES
    on the outside table and SELECT on the key's columns there (see the module docstring)."""
    synced = set(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME "
            "FROM information_schema.KEY_COLUMN_USAGE "
            "WHERE TABLE_SCHEMA = %s AND REFERENCED_TABLE_SCHEMA = %s",
            (database, database),
        )
        rows = cursor.fetchall()
    columns: dict[str, set[str]] = {}
    for child, column, parent, referenced in rows:
        if child in synced and parent not in synced:
            columns.setdefault(parent, set()).add(referenced)
        elif parent in synced and child not in synced:
            columns.setdefault(child, set()).add(column)
    grants: list[Grant] = []
    for table in sorted(columns):
        grants.append(Grant(("REFERENCES",), database, table))
        grants.append(Grant(("SELECT",), database, table, tuple(sorted(columns[table]))))
    return tuple(grants)


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
            cursor.execute(f"GRANT {grant.privilege_list()} ON {grant.target()} TO %s@%s", account)
