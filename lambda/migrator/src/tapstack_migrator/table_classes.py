"""The schema's own classification of its tables (migrations/V0003__classify_tables.sql), read
before any sync user is granted anything: the allowlist in config/ may name reference tables
only. A table that the classification does not list counts as production data."""

from pymysql.connections import Connection

from tapstack_migrator.errors import MigrationError

CLASS_TABLE = "tapstack_table_class"
REFERENCE = "reference"


class NotReferenceDataError(MigrationError):
    """The sync allowlist names a table that the schema does not classify as reference data."""


def check_reference_tables(connection: Connection, tables: list[str]) -> None:
    """Refuse `tables` unless every one is classified 'reference' in `CLASS_TABLE`."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT table_name, class FROM {CLASS_TABLE}")  # noqa: S608
        classes = dict(cursor.fetchall())
    refused = [table for table in tables if classes.get(table) != REFERENCE]
    if refused:
        described = ", ".join(
            f"{table} ({classes.get(table, 'not classified')})" for table in refused
        )
        raise NotReferenceDataError(
            f"SyncTables (the sync allowlist in config/) names {described}: the schema's "
            f"{CLASS_TABLE} classifies only reference tables for the sync; no sync user was "
            "created or changed"
        )
