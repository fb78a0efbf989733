"""The environment marker: a one-row table in which a database names its own environment.

The sync (lambda/sync, `guards.check_target_environment`) writes only to a database whose
`tapstack_environment` row names a non-prod environment, so a DSN that points at prod by mistake
fails closed. The migrator writes that row from the stack's EnvironmentName, once: a marker that
names another environment is never overwritten. A stack pointed at another environment's
database therefore fails before it migrates anything, instead of relabelling that database
(a dev stack relabelling prod's database "dev" would open prod to the sync).
"""

import re

from pymysql.connections import Connection

from tapstack_migrator.errors import MigrationError

MARKER_TABLE = "tapstack_environment"  # tapstack_sync.guards.MARKER_TABLE
ENVIRONMENT_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} ("
    "name VARCHAR(32) NOT NULL PRIMARY KEY"
    ") ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci"
)


class EnvironmentMismatchError(MigrationError):
    """The database says it belongs to another environment than the stack deploying to it."""


def ensure_environment_marker(connection: Connection, environment: str) -> None:
    """Create the marker naming `environment`, or check the one there names it."""
    if not ENVIRONMENT_NAME.fullmatch(environment):
        raise ValueError(f"environment name {environment!r}: use a-z, 0-9 and -, at most 32")
    with connection.cursor() as cursor:
        cursor.execute(_CREATE)
        cursor.execute("START TRANSACTION")
        try:
            # FOR UPDATE also locks the empty table's gap: two first runs cannot both insert.
            cursor.execute(f"SELECT name FROM {MARKER_TABLE} FOR UPDATE")  # noqa: S608
            names = [row[0] for row in cursor.fetchall()]
            if not names:
                cursor.execute(f"INSERT INTO {MARKER_TABLE} (name) VALUES (%s)", (environment,))  # noqa: S608
            elif names != [environment]:
                raise EnvironmentMismatchError(
                    f"the database's {MARKER_TABLE} marker says {', '.join(names)!s}, but this "
                    f"stack deploys {environment}: refusing to migrate another environment's "
                    "database (check DatabaseEndpoint/DatabaseName)"
                )
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
