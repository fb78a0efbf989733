"""The history table: one row per migration file, written statement by statement.

A row is `applying` while its statements run (or after a lost connection), `failed` after a SQL
error, and `applied` when every statement has run. `statements_applied` and
`applied_prefix_checksum` say how far a file got, so a retry resumes after the last statement
that committed instead of running DDL twice.
"""

from dataclasses import dataclass
from datetime import datetime

from pymysql.connections import Connection

from tapstack_migrator.files import Migration, prefix_checksum

TABLE = "schema_history"

CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    version                  INT UNSIGNED  NOT NULL,
    description              VARCHAR(200)  NOT NULL,
    script                   VARCHAR(255)  NOT NULL,
    checksum                 CHAR(64)      NOT NULL COMMENT 'sha256 of the file',
    status                   ENUM('applying', 'failed', 'applied') NOT NULL,
    statements_total         INT UNSIGNED  NOT NULL,
    statements_applied       INT UNSIGNED  NOT NULL,
    applied_prefix_checksum  CHAR(64)      NOT NULL,
    started_at               DATETIME(6)   NOT NULL,
    finished_at              DATETIME(6)   NULL,
    execution_ms             INT UNSIGNED  NULL,
    applied_by               VARCHAR(300)  NOT NULL,
    last_error               TEXT          NULL,
    PRIMARY KEY (version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci
"""


@dataclass(frozen=True)
class HistoryRow:
    """What the history table says about one version."""

    version: int
    script: str
    checksum: str
    status: str
    statements_applied: int
    applied_prefix_checksum: str
    finished_at: datetime | None


def ensure_table(connection: Connection) -> None:
    """Create the history table on first use."""
    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)


def read_history(connection: Connection) -> dict[int, HistoryRow]:
    """Every recorded version."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT version, script, checksum, status, statements_applied, "  # noqa: S608
            f"applied_prefix_checksum, finished_at FROM {TABLE} ORDER BY version"
        )
        return {row[0]: HistoryRow(*row) for row in cursor.fetchall()}


def start(connection: Connection, migration: Migration) -> None:
    """Record that `migration` starts, with nothing of it run yet."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (version, description, script, checksum, status, "  # noqa: S608
            "statements_total, statements_applied, applied_prefix_checksum, started_at, "
            "applied_by) VALUES (%s, %s, %s, %s, 'applying', %s, 0, %s, UTC_TIMESTAMP(6), "
            "CURRENT_USER())",
            (
                migration.version,
                migration.description,
                migration.script,
                migration.checksum,
                len(migration.statements),
                prefix_checksum([]),
            ),
        )


def resume(connection: Connection, migration: Migration) -> None:
    """Adopt the (possibly fixed) file for a version that ran partially; retry from here."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET script = %s, description = %s, checksum = %s, "  # noqa: S608
            "statements_total = %s, status = 'applying', last_error = NULL WHERE version = %s",
            (
                migration.script,
                migration.description,
                migration.checksum,
                len(migration.statements),
                migration.version,
            ),
        )


def record_progress(connection: Connection, migration: Migration, done: int) -> None:
    """Record that the first `done` statements have run (in the statement's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET statements_applied = %s, applied_prefix_checksum = %s "  # noqa: S608
            "WHERE version = %s",
            (done, prefix_checksum(migration.statements[:done]), migration.version),
        )


def finish(connection: Connection, migration: Migration) -> None:
    """Mark `migration` applied."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET status = 'applied', finished_at = UTC_TIMESTAMP(6), "  # noqa: S608
            "execution_ms = TIMESTAMPDIFF(MICROSECOND, started_at, UTC_TIMESTAMP(6)) DIV 1000 "
            "WHERE version = %s",
            (migration.version,),
        )


def record_failure(connection: Connection, migration: Migration, error: str) -> None:
    """Mark `migration` failed with the server's error."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET status = 'failed', last_error = %s "  # noqa: S608
            "WHERE version = %s",
            (error, migration.version),
        )
