"""Write one table's plan to the target in one transaction: deletes, then inserts.

An updated row is deleted and inserted again, inside the same transaction and with
foreign_key_checks off (so nothing cascades): an UPDATE, or INSERT ... ON DUPLICATE KEY UPDATE,
cannot swap values of a secondary UNIQUE key between two rows, and deleting first also handles
keys that differ only in case or trailing spaces. Any error rolls the whole table back.
"""

import contextlib
from collections.abc import Callable, Iterable

from MySQLdb.connections import Connection

from tapstack_sync.connection import quote
from tapstack_sync.errors import TableApplyError
from tapstack_sync.foreign_keys import ForeignKey, orphan_check_sql
from tapstack_sync.plan import TablePlan
from tapstack_sync.sqlkeys import key_filter

DELETE_BATCH = 500
INSERT_BATCH_BYTES = 1_000_000

# Called after each batch with (table, phase, rows done so far); tests inject faults here.
BatchObserver = Callable[[str, str, int], None]


def apply_plan(
    connection: Connection,
    plan: TablePlan,
    boundary_keys: list[ForeignKey],
    observer: BatchObserver | None = None,
) -> None:
    """Make the target table equal to the source; all or nothing."""
    table = plan.schema.name
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION foreign_key_checks = 0")
            connection.begin()
            _delete(cursor, connection, plan, observer)
            _insert(cursor, connection, plan, observer)
            _check_boundary(cursor, connection, plan, boundary_keys)
        connection.commit()
    except Exception as err:
        _rollback(connection)
        if isinstance(err, TableApplyError):
            raise
        raise TableApplyError(table, f"{type(err).__name__}: {err}") from err
    finally:
        _restore_checks(connection)


def _delete(cursor, connection: Connection, plan: TablePlan, observer) -> None:
    keys = plan.deletes + [plan.key_of(row) for row in plan.updates]
    table = quote(plan.schema.name)
    done = 0
    for start in range(0, len(keys), DELETE_BATCH):
        batch = keys[start : start + DELETE_BATCH]
        where = key_filter(connection, list(plan.schema.primary_key), batch)
        cursor.execute(f"DELETE FROM {table} WHERE ".encode() + where)  # noqa: S608
        done += len(batch)
        if observer:
            observer(plan.schema.name, "delete", done)


def _insert(cursor, connection: Connection, plan: TablePlan, observer) -> None:
    columns = ", ".join(quote(column.name) for column in plan.schema.writable_columns)
    head = f"INSERT INTO {quote(plan.schema.name)} ({columns}) VALUES ".encode()  # noqa: S608
    done = 0
    for batch, count in _value_batches(connection, plan.updates + plan.inserts):
        cursor.execute(head + b", ".join(batch))
        done += count
        if observer:
            observer(plan.schema.name, "insert", done)


def _value_batches(connection: Connection, rows: list[tuple]) -> Iterable[tuple[list[bytes], int]]:
    literal = connection.literal
    batch: list[bytes] = []
    size = 0
    for row in rows:
        values = b"(" + b", ".join(literal(value) for value in row) + b")"
        batch.append(values)
        size += len(values)
        if size >= INSERT_BATCH_BYTES:
            yield batch, len(batch)
            batch, size = [], 0
    if batch:
        yield batch, len(batch)


def _check_boundary(cursor, connection: Connection, plan: TablePlan, keys: list[ForeignKey]):
    """Refuse to commit if a changed row breaks a foreign key to a table outside the sync."""
    table = plan.schema.name
    names = [column.name for column in plan.schema.writable_columns]
    written = [plan.key_of(row) for row in plan.updates + plan.inserts]
    for key in keys:
        if key.child == table and written:
            # New or changed rows of this table must still find their parent.
            for start in range(0, len(written), DELETE_BATCH):
                batch = written[start : start + DELETE_BATCH]
                where = key_filter(connection, list(plan.schema.primary_key), batch, "c.")
                _refuse_orphans(cursor, key, where, table, f"rows written to {table}")
        if key.parent == table and plan.old_rows:
            # Rows of the child table may point at values this sync removed.
            positions = [names.index(column) for column in key.referenced]
            old = {tuple(row[i] for i in positions) for row in plan.old_rows.values()}
            values = sorted((v for v in old if None not in v), key=repr)
            for start in range(0, len(values), DELETE_BATCH):
                batch = values[start : start + DELETE_BATCH]
                where = key_filter(connection, list(key.columns), batch, "c.")
                _refuse_orphans(cursor, key, where, table, f"rows deleted or changed in {table}")


def _refuse_orphans(cursor, key: ForeignKey, where: bytes, table: str, what: str) -> None:
    cursor.execute(orphan_check_sql(key, where))
    (orphans,) = cursor.fetchone()
    if orphans:
        raise TableApplyError(
            table,
            f"{orphans} row(s) of {key.child} would lose their parent through {what} "
            f"(foreign key {key.describe()}, whose other table is not synced)",
        )


def _rollback(connection: Connection) -> None:
    # A dead connection has rolled back already (the server does it).
    with contextlib.suppress(Exception):
        connection.rollback()


def _restore_checks(connection: Connection) -> None:
    # When the session is gone, its setting went with it.
    with contextlib.suppress(Exception), connection.cursor() as cursor:
        cursor.execute("SET SESSION foreign_key_checks = 1")
