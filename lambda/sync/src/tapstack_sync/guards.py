"""Refusals made before any table data is read: allowlist, same database, a target that is prod.

How the engine knows a target is not prod: the target database must say so itself. Every
environment's database holds a one-row table `tapstack_environment(name)` written when the
environment is provisioned ('dev', 'staging', 'prod'). The sync writes only to a database whose
marker names a non-prod environment (and, when the caller declares the target's environment,
that very one). A missing marker is a refusal too: a DSN that points at prod by mistake cannot
pass, whatever it is called. The source and target being one server is detected by the server
itself (a named lock taken on the source is visible from the target), not by comparing host
names, which aliases and proxies defeat.
"""

import os

from MySQLdb import MySQLError
from MySQLdb.connections import Connection

from tapstack_sync.dsn import Dsn
from tapstack_sync.errors import BadInputError, RefusedError

MARKER_TABLE = "tapstack_environment"
# migrations/V0003__classify_tables.sql; the migrator's tapstack_migrator.table_classes names
# the same table (not imported: the console script starts without the migrator's modules).
CLASS_TABLE = "tapstack_table_class"
REFERENCE = "reference"
PROD_NAMES = frozenset({"prod", "production", "prd"})
DEFAULT_ALLOWLIST = ("currencies", "fee_schedules", "merchant_categories")


def check_tables(tables: list[str], allowlist: list[str]) -> list[str]:
    """The tables to sync (the whole allowlist when none are named); refuse any outside it."""
    if MARKER_TABLE in allowlist or MARKER_TABLE in tables:
        raise BadInputError(f"{MARKER_TABLE} is the environment marker and is never synced")
    if not allowlist:
        raise BadInputError("the allowlist is empty: no table may be synced")
    chosen = list(dict.fromkeys(tables)) or list(dict.fromkeys(allowlist))
    outside = [table for table in chosen if table not in allowlist]
    if outside:
        raise BadInputError(
            f"not on the allowlist: {', '.join(outside)} (allowed: {', '.join(allowlist)})"
        )
    return chosen


def check_distinct_dsns(source: Dsn, target: Dsn) -> None:
    """Refuse two DSNs naming the same host, port and database."""
    if (source.host.lower(), source.port, source.database) == (
        target.host.lower(),
        target.port,
        target.database,
    ):
        raise RefusedError(f"source and target are the same database ({target.describe()})")


def check_not_same_server_database(source: Connection, target: Connection) -> None:
    """Refuse when both connections reach the same database of one server (whatever its name)."""
    # A random name (what secrets.token_hex does, without importing that module at start-up).
    lock = f"tapstack_sync_probe_{os.urandom(8).hex()}"
    with source.cursor() as on_source, target.cursor() as on_target:
        on_source.execute("SELECT GET_LOCK(%s, 0), CONNECTION_ID(), DATABASE()", (lock,))
        _, source_connection, source_database = on_source.fetchone()
        try:
            on_target.execute("SELECT IS_USED_LOCK(%s), DATABASE()", (lock,))
            holder, target_database = on_target.fetchone()
        finally:
            on_source.execute("SELECT RELEASE_LOCK(%s)", (lock,))
            on_source.fetchall()
    if holder == source_connection and source_database == target_database:
        raise RefusedError(
            f"source and target are the same database ({target_database} on one server)"
        )


def check_target_environment(target: Connection, declared: str | None) -> str:
    """The target's environment name from its marker; refuse prod, a missing marker, or a
    marker that contradicts the declared environment."""
    if declared and declared.lower() in PROD_NAMES:
        raise RefusedError(f"the target is declared as {declared!r}: the sync never writes prod")
    try:
        with target.cursor() as cursor:
            cursor.execute(f"SELECT name FROM {MARKER_TABLE}")  # noqa: S608
            names = [row[0] for row in cursor.fetchall()]
    except MySQLError as err:
        raise RefusedError(
            f"the target has no readable {MARKER_TABLE} marker ({err.args[-1]}); the sync "  # noqa: S608
            "writes only to a database that names its environment, e.g. CREATE TABLE "
            f"{MARKER_TABLE} (name VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO "
            f"{MARKER_TABLE} VALUES ('staging')"
        ) from err
    if len(names) != 1:
        raise RefusedError(
            f"the target's {MARKER_TABLE} marker must hold exactly one row, it holds {len(names)}"
        )
    name = str(names[0])
    if name.lower() in PROD_NAMES:
        raise RefusedError(f"the target database says it is {name!r}: the sync never writes prod")
    if declared and declared.lower() != name.lower():
        raise RefusedError(
            f"the target was declared as {declared!r} but its database says it is {name!r}"
        )
    return name


def check_reference_tables(source: Connection, tables: list[str]) -> None:
    """Refuse any table that prod's own schema does not classify as reference data.

    The second barrier, independent of the allowlist: `tapstack_table_class` is written by
    migrations/, so every database built from them carries it. A table missing from it counts
    as production data.
    """
    try:
        with source.cursor() as cursor:
            cursor.execute(f"SELECT table_name, class FROM {CLASS_TABLE}")  # noqa: S608
            classes = {name: kind for name, kind in cursor.fetchall()}
    except MySQLError as err:
        raise RefusedError(
            f"the source database has no readable table classification ({CLASS_TABLE}, "
            f"created by migrations/V0003__classify_tables.sql): {err.args[-1]}; "
            "nothing is synced from a database that does not say which tables are reference data"
        ) from err
    refused = [table for table in tables if classes.get(table) != REFERENCE]
    if refused:
        described = ", ".join(
            f"{table} ({classes[table]})" if table in classes else f"{table} (not classified)"
            for table in refused
        )
        raise RefusedError(
            f"prod's schema does not classify {described} as reference data "
            f"({CLASS_TABLE}); the sync copies reference tables only, whatever the allowlist says"
        )
