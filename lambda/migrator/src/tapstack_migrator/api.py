"""The library entry point: apply a directory of migrations to a database, with retries.

Usable without Lambda (the emulator and the demo call it directly):

    from tapstack_migrator import ConnectionSettings, migrate
    migrate(ConnectionSettings(host, user, password, "tapstack", port=3306).connect, "migrations")
"""

import time
from collections.abc import Callable
from pathlib import Path

from pymysql.connections import Connection

from tapstack_migrator.files import read_migrations
from tapstack_migrator.retry import with_retries
from tapstack_migrator.runner import RunReport, run_once

DEFAULT_LOCK_TIMEOUT_SECONDS = 120


def migrate(
    connect: Callable[[], Connection],
    directory: Path | str,
    *,
    lock_timeout: int = DEFAULT_LOCK_TIMEOUT_SECONDS,
    attempts: int = 5,
    backoff_seconds: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> RunReport:
    """Apply the pending files of `directory` through connections from `connect()`.

    Each attempt opens a new connection, takes the lock and resumes where the history says the
    last attempt stopped; transient connection errors are retried with backoff.
    """
    migrations = read_migrations(Path(directory))

    def attempt() -> RunReport:
        connection = connect()
        try:
            return run_once(connection, migrations, lock_timeout)
        finally:
            connection.close()

    return with_retries(attempt, attempts=attempts, backoff_seconds=backoff_seconds, sleep=sleep)
