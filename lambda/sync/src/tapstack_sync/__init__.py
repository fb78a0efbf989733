"""Reference-data sync engine: makes allow-listed tables of a target identical to prod's."""

from tapstack_sync.dsn import Dsn, parse_dsn
from tapstack_sync.engine import sync
from tapstack_sync.errors import (
    BadInputError,
    RefusedError,
    SafetyBrakeError,
    SchemaMismatchError,
    SyncError,
    TableApplyError,
)
from tapstack_sync.migrations import MigratorApplier
from tapstack_sync.models import SyncReport, SyncRequest, TableReport

__all__ = [
    "BadInputError",
    "Dsn",
    "MigratorApplier",
    "RefusedError",
    "SafetyBrakeError",
    "SchemaMismatchError",
    "SyncError",
    "SyncReport",
    "SyncRequest",
    "TableApplyError",
    "TableReport",
    "parse_dsn",
    "sync",
]
