"""Applies migrations/ to a MySQL-compatible database under a lock, idempotently."""

from tapstack_migrator.api import migrate
from tapstack_migrator.connection import ConnectionSettings
from tapstack_migrator.errors import (
    AppliedMigrationEditedError,
    DatabaseUnavailableError,
    MigrationError,
    MigrationFailedError,
    MigrationFileError,
    MigrationLockTimeoutError,
    MigrationOutOfOrderError,
)
from tapstack_migrator.runner import RunReport

__all__ = [
    "AppliedMigrationEditedError",
    "ConnectionSettings",
    "DatabaseUnavailableError",
    "MigrationError",
    "MigrationFailedError",
    "MigrationFileError",
    "MigrationLockTimeoutError",
    "MigrationOutOfOrderError",
    "RunReport",
    "migrate",
]
