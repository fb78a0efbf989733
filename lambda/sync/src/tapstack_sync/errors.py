"""Why a sync stopped, each with the exit code the console script returns."""


class SyncError(Exception):
    """Any failure of a sync run (exit code 1 unless a subclass says otherwise)."""

    exit_code = 1


class BadInputError(SyncError):
    """The request itself is wrong: unknown table, bad DSN, a table outside the allowlist."""

    exit_code = 2


class RefusedError(SyncError):
    """A guard refused the run before anything was read: no primary key, same database,
    a target that is (or may be) prod."""

    exit_code = 2


class SchemaMismatchError(SyncError):
    """Source and target definitions differ and migrations cannot reconcile them."""

    exit_code = 3


class SafetyBrakeError(SyncError):
    """Too large a share of a table's rows would change; rerun with force to allow it."""

    exit_code = 4


class TableApplyError(SyncError):
    """Writing one table failed; that table was rolled back completely."""

    def __init__(self, table: str, reason: str) -> None:
        super().__init__(f"table {table}: rolled back, nothing of it changed: {reason}")
        self.table = table
        self.reason = reason
