"""Step 3 of a table's plan (tapstack_sync.plan): the rows of the smallest differing chunks,
compared value by value on both sides and sorted into inserts, updates and deletes.

Few rows are fetched whole; many are first compared by one digest a row (a key and 8 bytes), and
only the rows whose digests differ are fetched. Every digest and integer key value a server
sends back is checked to be an integer before it is sent on to either server.
"""

from typing import TYPE_CHECKING

from tapstack_sync.connection import quote
from tapstack_sync.pair import ConnectionPair, query
from tapstack_sync.schema import TableSchema
from tapstack_sync.server_values import checked_int
from tapstack_sync.sqlkeys import key_filter

if TYPE_CHECKING:
    from tapstack_sync.plan import TablePlan

KEY_BATCH = 1000  # keys in one WHERE of the rows whose digests differ
Row = tuple
Key = tuple


def compare_rows(pair: ConnectionPair, plan: "TablePlan", wheres: list[str]) -> None:
    """Fetch the rows matching `wheres` from both sides; sort them into deletes/updates/inserts."""
    columns = ", ".join(quote(column.name) for column in plan.schema.writable_columns)
    table = quote(plan.schema.name)
    positions = plan.key_positions
    source_rows: dict[Key, Row] = {}
    target_rows: dict[Key, Row] = {}
    for where in wheres:
        sql = f"SELECT {columns} FROM {table} WHERE ".encode() + _bytes(where)  # noqa: S608
        from_source, from_target = pair.both(query(sql))
        plan.rows_read_source += len(from_source)
        source_rows.update((tuple(row[i] for i in positions), row) for row in from_source)
        target_rows.update((tuple(row[i] for i in positions), row) for row in from_target)
    _classify(plan, source_rows, target_rows)


def compare_row_digests(
    pair: ConnectionPair, plan: "TablePlan", wheres: list[str], digest_sql: str
) -> None:
    """One digest per row of the differing chunks, then whole rows only where digests differ."""
    keys = ", ".join(quote(name) for name in plan.schema.primary_key)
    table = quote(plan.schema.name)
    width = len(plan.schema.primary_key)
    source_digests: dict[Key, int] = {}
    target_digests: dict[Key, int] = {}
    for where in wheres:
        sql = f"SELECT {keys}, {digest_sql} FROM {table} WHERE {where}"  # noqa: S608
        from_source, from_target = pair.both(query(sql))
        plan.rows_read_source += len(from_source)
        if width == 1:  # (key, digest) pairs: dict() builds the map in C
            source_digests.update(from_source)
            target_digests.update(from_target)
        else:
            source_digests.update((row[:width], row[width]) for row in from_source)
            target_digests.update((row[:width], row[width]) for row in from_target)
    for digests, name in zip((source_digests, target_digests), pair.names, strict=True):
        _check_digests(digests, plan.schema, name)
    changed = source_digests.items() ^ target_digests.items()
    differing = sorted({key for key, _ in changed}, key=repr)
    if width == 1:
        differing = [(key,) for key in differing]
    wheres_by_key = [
        key_filter(pair.source, list(plan.schema.primary_key), differing[start : start + KEY_BATCH])
        for start in range(0, len(differing), KEY_BATCH)
    ]
    compare_rows(pair, plan, wheres_by_key)


def _check_digests(digests: dict, schema: TableSchema, server: str) -> None:
    """Row digests are integers, and so is every value of an integer key column: the keys
    whose digests differ are sent to both servers (escaped, but of the column's own type)."""
    integer_positions = [
        index for index, name in enumerate(schema.primary_key) if schema.column(name).is_integer
    ]
    for key, digest in digests.items():
        checked_int(digest, server=server, what="a row digest")
        values = key if isinstance(key, tuple) else (key,)
        for index in integer_positions:
            checked_int(
                values[index], server=server, what=f"a value of key {schema.primary_key[index]}"
            )


def _bytes(where: str | bytes) -> bytes:
    return where if isinstance(where, bytes) else where.encode()


def _classify(plan: "TablePlan", source_rows: dict, target_rows: dict) -> None:
    for key, row in source_rows.items():
        old = target_rows.get(key)
        if old is None:
            plan.inserts.append(row)
        elif old != row:
            plan.updates.append(row)
            plan.old_rows[key] = old
    for key, old in target_rows.items():
        if key not in source_rows:
            plan.deletes.append(key)
            plan.old_rows[key] = old
