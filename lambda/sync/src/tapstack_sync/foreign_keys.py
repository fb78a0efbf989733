"""Foreign keys among and around the synced tables: apply order and boundary checks.

The apply runs with foreign_key_checks off, as pt-table-sync does: between synced tables the
end state is prod's own (consistent) state, and with checks off a delete never cascades. Keys
that cross the boundary of the synced set are checked by the sync itself, for the rows it
changed only, before each table commits.
"""

from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

from MySQLdb.connections import Connection

from tapstack_sync.connection import quote


@dataclass(frozen=True)
class ForeignKey:
    """`child(columns) REFERENCES parent(referenced)`."""

    name: str
    child: str
    columns: tuple[str, ...]
    parent: str
    referenced: tuple[str, ...]

    def describe(self) -> str:
        """`child(cols) -> parent(cols) [name]`."""
        return (
            f"{self.child}({', '.join(self.columns)}) -> "
            f"{self.parent}({', '.join(self.referenced)}) [{self.name}]"
        )


def read_foreign_keys(connection: Connection, tables: list[str]) -> list[ForeignKey]:
    """Every foreign key of the current database whose child or parent is one of `tables`."""
    if not tables:
        return []
    marks = ", ".join(["%s"] * len(tables))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, "  # noqa: S608
            "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
            "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_SCHEMA = DATABASE() "
            f"AND (TABLE_NAME IN ({marks}) OR REFERENCED_TABLE_NAME IN ({marks})) "
            "ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
            (*tables, *tables),
        )
        rows = cursor.fetchall()
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for name, child, column, parent, referenced in rows:
        grouped.setdefault((child, name), []).append((column, parent, referenced))
    return [
        ForeignKey(
            name=name,
            child=child,
            columns=tuple(part[0] for part in parts),
            parent=parts[0][1],
            referenced=tuple(part[2] for part in parts),
        )
        for (child, name), parts in grouped.items()
    ]


def parents_first(tables: list[str], keys: list[ForeignKey]) -> list[str]:
    """`tables` ordered so that a referenced table comes before the tables referencing it."""
    graph: dict[str, set[str]] = {table: set() for table in tables}
    for key in keys:
        if key.child in graph and key.parent in graph and key.child != key.parent:
            graph[key.child].add(key.parent)
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError:
        return sorted(tables)  # a cycle has no order; checks are off during the apply anyway


def orphan_check_sql(key: ForeignKey, child_filter: bytes) -> bytes:
    """SQL counting child rows (matching `child_filter`) whose parent row does not exist."""
    child, parent = quote(key.child), quote(key.parent)
    joins = " AND ".join(
        f"p.{quote(ref)} = c.{quote(col)}"
        for col, ref in zip(key.columns, key.referenced, strict=True)
    )
    present = " AND ".join(f"c.{quote(col)} IS NOT NULL" for col in key.columns)
    return (
        (
            f"SELECT COUNT(*) FROM {child} c WHERE {present} "  # noqa: S608
            f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {joins}) AND ("
        ).encode()
        + child_filter
        + b")"
    )
