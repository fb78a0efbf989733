"""Schema catch-up: is the target behind prod's applied migrations, and applying what it lacks.

Both databases record applied migrations in the migrator's history table (version, script,
sha256 checksum). The target is *behind* when its applied list is a strict prefix of the
source's (same versions, same checksums). Only then may the missing files be applied, and only
files whose checksum is the one prod recorded, through the migrator (tapstack_migrator).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from MySQLdb import MySQLError
from MySQLdb.connections import Connection

from tapstack_sync.dsn import Dsn
from tapstack_sync.errors import SchemaMismatchError

HISTORY_TABLE = "schema_history"  # tapstack_migrator.history.TABLE


@dataclass(frozen=True)
class AppliedMigration:
    """One history row with status 'applied'."""

    version: int
    script: str
    checksum: str


def read_applied(connection: Connection) -> list[AppliedMigration] | None:
    """Applied migrations in version order, or None when there is no history table."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT version, script, checksum FROM {HISTORY_TABLE} "  # noqa: S608
                "WHERE status = 'applied' ORDER BY version"
            )
            return [AppliedMigration(int(v), str(s), str(c)) for v, s, c in cursor.fetchall()]
    except MySQLError:
        return None


def missing_on_target(
    source: list[AppliedMigration] | None, target: list[AppliedMigration] | None
) -> list[AppliedMigration] | None:
    """What the target lacks when it is strictly behind the source, else None."""
    if not source:
        return None
    target = target or []
    if len(target) >= len(source) or source[: len(target)] != target:
        return None
    return source[len(target) :]


class MigrationApplier(Protocol):
    """Applies exactly `missing` (prod's files) to the target."""

    def apply(self, target: Dsn, missing: list[AppliedMigration]) -> None: ...


class MigratorApplier:
    """Applies missing migrations from a directory of files through tapstack_migrator."""

    def __init__(self, directory: Path, *, dsn: Dsn | None = None) -> None:
        self.directory = directory
        self.dsn = dsn  # a migrator account, when the sync writer may not run DDL

    def apply(self, target: Dsn, missing: list[AppliedMigration]) -> None:
        """Copy the missing files (checked against prod's checksums) and run the migrator."""
        # Imported here, not at the top: most runs apply nothing, and the console script starts
        # faster without them.
        import shutil
        import tempfile

        from tapstack_migrator import ConnectionSettings, migrate
        from tapstack_migrator.files import read_migrations

        files = {migration.version: migration for migration in read_migrations(self.directory)}
        problems = []
        for needed in missing:
            found = files.get(needed.version)
            if found is None:
                problems.append(f"{needed.script}: not in {self.directory}")
            elif found.checksum != needed.checksum:
                problems.append(
                    f"{needed.script}: checksum {found.checksum} here, {needed.checksum} in prod"
                )
        if problems:
            raise SchemaMismatchError(
                "cannot apply the migrations prod applied:\n  " + "\n  ".join(problems)
            )
        dsn = self.dsn or target
        settings = ConnectionSettings(
            host=dsn.host,
            port=dsn.port,
            user=dsn.user,
            password=dsn.password.get_secret_value(),
            database=dsn.database,
            ca_bundle=dsn.ssl_ca,
        )
        with tempfile.TemporaryDirectory(prefix="tapstack-sync-migrations-") as scratch:
            for needed in missing:
                source_file = self.directory / files[needed.version].script
                shutil.copyfile(source_file, Path(scratch) / source_file.name)
            migrate(settings.connect, scratch, attempts=1)
