"""Schema first: target definitions must equal the source's before any data is compared."""

import logging

from MySQLdb.connections import Connection

from tapstack_sync.errors import SchemaMismatchError
from tapstack_sync.migrations import MigrationApplier, missing_on_target, read_applied
from tapstack_sync.models import SyncRequest
from tapstack_sync.schema import TableSchema, diff_schemas, read_schema

logger = logging.getLogger(__name__)


def check_schemas(
    source: Connection,
    target: Connection,
    request: SyncRequest,
    schemas: dict[str, TableSchema],
    migrations: MigrationApplier | None,
) -> None:
    """Return when every table matches; catch up missing migrations once; else exit 3."""
    differences = _differences(target, request, schemas)
    if not differences:
        return
    missing = missing_on_target(read_applied(source), read_applied(target))
    if missing and migrations is not None:
        names = ", ".join(migration.script for migration in missing)
        logger.info("target is behind prod's migrations; applying %s", names)
        migrations.apply(request.target, missing)
        target.rollback()  # a fresh view of information_schema
        differences = _differences(target, request, schemas)
        if not differences:
            return
        raise SchemaMismatchError(
            "schema still differs after applying prod's missing migrations "
            f"({names}):\n  " + "\n  ".join(differences)
        )
    if missing:
        hint = (
            "the target is behind prod's applied migrations; missing: "
            + ", ".join(f"{m.script} ({m.checksum[:12]})" for m in missing)
            + ". Apply them (the migrator, or --migrations-dir) and rerun."
        )
    else:
        hint = "the target is not simply behind prod's applied migrations; fix it by hand."
    raise SchemaMismatchError(
        "schema differs, no data was touched:\n  " + "\n  ".join(differences) + "\n" + hint
    )


def _differences(
    target: Connection, request: SyncRequest, schemas: dict[str, TableSchema]
) -> list[str]:
    lines: list[str] = []
    for name, schema in schemas.items():
        lines += diff_schemas(schema, read_schema(target, request.target.database, name))
    return lines
