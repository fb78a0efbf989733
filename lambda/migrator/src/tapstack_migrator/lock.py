"""The migration lock: a named server lock, so two runs never interleave.

GET_LOCK belongs to the session: if the Lambda dies or its connection drops, the server frees the
lock at once, so there is never a stale lock to break by hand (a lock row in a table would stay).
"""

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pymysql
from pymysql.connections import Connection

from tapstack_migrator.errors import MigrationLockTimeoutError


def lock_name(database: str) -> str:
    """The lock's name: one lock per schema (the server caps names at 64 characters)."""
    return f"tapstack.migrations.{database}"[:64]


@contextmanager
def migration_lock(connection: Connection, timeout_seconds: int) -> Iterator[None]:
    """Hold the schema's migration lock for the block; raise when it stays taken too long."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DATABASE()")
        (database,) = cursor.fetchone()
        name = lock_name(database)
        cursor.execute("SELECT GET_LOCK(%s, %s)", (name, timeout_seconds))
        (acquired,) = cursor.fetchone()
    if acquired != 1:
        raise MigrationLockTimeoutError(
            f"another migration run has held lock {name!r} on schema {database!r} for more than "
            f"{timeout_seconds} s (its connection: SELECT IS_USED_LOCK({name!r})); "
            "retry when it has finished"
        )
    try:
        yield
    finally:
        # A dead session has freed the lock already; never hide the error that got us here.
        with suppress(pymysql.err.Error), connection.cursor() as cursor:
            cursor.execute("SELECT RELEASE_LOCK(%s)", (name,))
