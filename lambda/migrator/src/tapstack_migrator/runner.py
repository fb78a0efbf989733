"""One migration run on one connection: lock, check the history, apply what is pending.

Each statement runs in its own transaction together with the history row's progress update, so
a lost connection leaves the history exactly at the last statement that committed (DDL commits
implicitly, and then its progress update commits right after it on the same session).
"""

import logging
from dataclasses import dataclass, field

import pymysql
from pymysql.connections import Connection

from tapstack_migrator import history
from tapstack_migrator.errors import (
    AppliedMigrationEditedError,
    MigrationFailedError,
    MigrationOutOfOrderError,
)
from tapstack_migrator.failure import describe_failure, summarize_failure
from tapstack_migrator.files import Migration, prefix_checksum
from tapstack_migrator.history import HistoryRow
from tapstack_migrator.lock import migration_lock
from tapstack_migrator.transient import is_transient

logger = logging.getLogger(__name__)


@dataclass
class RunReport:
    """What a run did."""

    applied: list[str] = field(default_factory=list)  # scripts, in the order applied
    schema_version: int | None = None  # highest applied version afterwards


def run_once(connection: Connection, migrations: list[Migration], lock_timeout: int) -> RunReport:
    """Apply the pending migrations under the lock; a no-op when nothing changed."""
    with migration_lock(connection, lock_timeout):
        history.ensure_table(connection)
        recorded = history.read_history(connection)
        report = RunReport()
        for migration, row in plan(migrations, recorded):
            apply_migration(connection, migration, row)
            report.applied.append(migration.script)
        applied = [v for v, r in history.read_history(connection).items() if r.status == "applied"]
        report.schema_version = max(applied, default=None)
        return report


def plan(
    migrations: list[Migration], recorded: dict[int, HistoryRow]
) -> list[tuple[Migration, HistoryRow | None]]:
    """The files to run, each with its partial history row if any; refuse edited applied files."""
    by_version = {migration.version: migration for migration in migrations}
    for version, row in recorded.items():
        migration = by_version.get(version)
        if migration is None:
            # An older bundle (e.g. CloudFormation rolling back to the previous MigrationsKey):
            # the schema only moves forward, so leave what is there.
            logger.warning("%s is recorded as %s but not in this bundle", row.script, row.status)
        elif row.status == "applied" and row.checksum != migration.checksum:
            raise AppliedMigrationEditedError(
                f"{migration.script} was applied at {row.finished_at} with checksum "
                f"{row.checksum}, but the file now has checksum {migration.checksum}. An applied "
                "migration never changes: restore the file and put the change in a new migration."
            )
    latest = max(recorded, default=0)
    todo: list[tuple[Migration, HistoryRow | None]] = []
    for migration in migrations:
        row = recorded.get(migration.version)
        if row is None and migration.version < latest:
            raise MigrationOutOfOrderError(
                f"{migration.script} is pending but version {latest} "
                f"({recorded[latest].script}) is already recorded; renumber it above {latest}"
            )
        if row is None or row.status != "applied":
            todo.append((migration, row))
    return todo


def apply_migration(connection: Connection, migration: Migration, row: HistoryRow | None) -> None:
    """Run the statements of `migration` not yet recorded as run, recording each."""
    done = 0 if row is None else _resumable_from(migration, row)
    if row is None:
        history.start(connection, migration)
    else:
        history.resume(connection, migration)
        logger.info("%s resumes at statement %d", migration.script, done + 1)
    for index in range(done, len(migration.statements)):
        try:
            connection.begin()
            with connection.cursor() as cursor:
                cursor.execute(migration.statements[index])
            history.record_progress(connection, migration, index + 1)
            connection.commit()
        except pymysql.err.Error as err:
            if is_transient(err):
                raise
            connection.rollback()
            history.record_failure(connection, migration, f"statement {index + 1}: {err}")
            raise MigrationFailedError(
                describe_failure(migration, index, err), summarize_failure(migration, index, err)
            ) from err
    history.finish(connection, migration)
    logger.info("applied %s (%d statements)", migration.script, len(migration.statements))


def _resumable_from(migration: Migration, row: HistoryRow) -> int:
    """How many statements of a partially run file already ran, if the file still starts so."""
    done = row.statements_applied
    if row.checksum == migration.checksum:
        return done
    if done <= len(migration.statements) and row.applied_prefix_checksum == prefix_checksum(
        migration.statements[:done]
    ):
        return done
    raise AppliedMigrationEditedError(
        f"{migration.script}: statements 1-{done} of an earlier version of this file ran "
        f"(checksum {row.checksum}) and stay committed, but the file now has checksum "
        f"{migration.checksum} and changes those statements. Keep statements 1-{done} as they "
        "were and change only the statements after them."
    )
