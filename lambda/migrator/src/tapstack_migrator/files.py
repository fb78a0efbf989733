"""The migration files of a directory: `V<version>__<description>.sql`, in version order."""

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path

from tapstack_migrator.errors import MigrationFileError
from tapstack_migrator.statements import StatementSyntaxError, split_statements

FILE_NAME = re.compile(r"V(?P<version>\d{4,9})__(?P<description>[a-z0-9]+(?:_[a-z0-9]+)*)\.sql")


@dataclass(frozen=True)
class Migration:
    """One versioned SQL file."""

    version: int
    description: str
    script: str
    sql: str
    checksum: str  # sha256 of the file's bytes

    @cached_property
    def statements(self) -> list[str]:
        """The statements the file runs, in order."""
        try:
            return split_statements(self.sql)
        except StatementSyntaxError as err:
            raise MigrationFileError(f"{self.script}: {err}") from err


def prefix_checksum(statements: list[str]) -> str:
    """A checksum of the statements that have run, to tell whether an edit changed them."""
    digest = hashlib.sha256()
    for statement in statements:
        digest.update(hashlib.sha256(statement.encode()).digest())
    return digest.hexdigest()


def read_migration(path: Path) -> Migration:
    """Parse one file; its name must follow `V0001__snake_case_description.sql`."""
    match = FILE_NAME.fullmatch(path.name)
    if not match:
        raise MigrationFileError(
            f"{path.name}: migration files are named V<4+ digit version>__<snake_case>.sql, "
            "e.g. V0003__add_refund_reason.sql"
        )
    data = path.read_bytes()
    try:
        sql = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise MigrationFileError(f"{path.name}: not UTF-8 ({err})") from err
    migration = Migration(
        version=int(match["version"]),
        description=match["description"].replace("_", " "),
        script=path.name,
        sql=sql,
        checksum=hashlib.sha256(data).hexdigest(),
    )
    if not migration.statements:
        raise MigrationFileError(f"{path.name}: has no SQL statement")
    return migration


def read_migrations(directory: Path) -> list[Migration]:
    """Every `*.sql` file of `directory` (not recursive), sorted by version; duplicates refused."""
    if not directory.is_dir():
        raise MigrationFileError(f"{directory}: no such migrations directory")
    migrations = sorted(
        (read_migration(path) for path in directory.glob("*.sql")), key=lambda m: m.version
    )
    for previous, current in pairwise(migrations):
        if previous.version == current.version:
            raise MigrationFileError(
                f"{previous.script} and {current.script} have the same version {current.version}"
            )
    return migrations
