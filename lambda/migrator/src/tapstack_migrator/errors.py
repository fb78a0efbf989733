"""Why a migration run stopped: each error says what to do next."""


class MigrationError(Exception):
    """Base of every error the runner raises on purpose."""


class MigrationFileError(MigrationError):
    """A file in the migrations directory is misnamed, unreadable or duplicated."""


class MigrationLockTimeoutError(MigrationError):
    """Another run held the migration lock for longer than the timeout."""


class AppliedMigrationEditedError(MigrationError):
    """A file that was already applied has changed since (its checksum differs)."""


class MigrationOutOfOrderError(MigrationError):
    """A pending file has a lower version than one already applied."""


class MigrationFailedError(MigrationError):
    """A statement of a file failed; the message lists what of that file had already run."""

    def __init__(self, report: str, summary: str) -> None:
        super().__init__(report)
        self.summary = summary  # short enough for a CloudFormation status reason


class DatabaseUnavailableError(MigrationError):
    """Transient connection errors outlasted every retry."""
