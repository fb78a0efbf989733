"""Compare one table on both servers and work out the smallest set of changes.

1. One checksum pass per server, both at once: COUNT and XOR of 64-bit row digests per level-0
   chunk (about 32 rows). Only aggregates cross the network.
2. Differing chunks that still hold many rows (sparse or skewed keys) are split and
   re-checksummed on their own, level by level.
3. The rows of the smallest differing chunks are fetched from both sides and compared
   value by value (the digest only prunes; the decision is made on the rows themselves).
Rows fetched from the source are therefore proportional to the drift, not to the table.
"""

import math
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from operator import itemgetter

from tapstack_sync.chunking import (
    COARSER_FACTOR,
    ROWS_PER_CHUNK,
    Chunk,
    Chunking,
    IntegerRanges,
    plan_chunking,
)
from tapstack_sync.connection import quote
from tapstack_sync.digest import DigestKind, row_digest_sql
from tapstack_sync.pair import ConnectionPair, query
from tapstack_sync.row_compare import compare_row_digests, compare_rows
from tapstack_sync.schema import TableSchema
from tapstack_sync.server_values import checked_int_rows

SPLIT_ABOVE_ROWS = 48  # a differing chunk with more rows than this is split before fetching
# Up to this many rows in differing chunks, fetch them whole; beyond, first fetch one digest per
# row (a key and 8 bytes) and then only the rows whose digests differ.
FETCH_WHOLE_ROWS = 4096
SAMPLE_WINDOWS = 32  # key windows sampled for an integer key's density and drift
DRIFTY_CHUNK_SHARE = 0.08  # above this expected share of differing chunks, use finer chunks
FINER_FACTOR = 4
CALM_CHUNK_SHARE = 0.10  # at most this expected share of coarser chunks differing: use them

Row = tuple
Key = tuple


@dataclass
class TablePlan:
    """What must change in one target table, and what it cost to find out."""

    schema: TableSchema
    source_rows: int = 0
    target_rows: int = 0
    deletes: list[Key] = field(default_factory=list)  # target-only keys
    updates: list[Row] = field(default_factory=list)  # source rows whose target row differs
    inserts: list[Row] = field(default_factory=list)  # source-only rows
    old_rows: dict[Key, Row] = field(default_factory=dict)  # target rows deleted or replaced
    chunks_compared: int = 0
    chunks_differing: int = 0
    rows_read_source: int = 0
    seconds: float = 0.0

    @property
    def changes(self) -> int:
        """Rows inserted, updated or deleted."""
        return len(self.deletes) + len(self.updates) + len(self.inserts)

    @property
    def change_ratio(self) -> float:
        """Changed rows as a share of the target's rows (an empty target loses nothing: 0)."""
        return self.changes / self.target_rows if self.target_rows else 0.0

    def key_of(self, row: Row) -> Key:
        """The primary-key values of a full row."""
        return tuple(row[index] for index in self.key_positions)

    @cached_property
    def key_positions(self) -> list[int]:
        """Where the key columns sit in a fetched row."""
        names = [column.name for column in self.schema.writable_columns]
        return [names.index(name) for name in self.schema.primary_key]


def plan_table(pair: ConnectionPair, schema: TableSchema, digest: DigestKind) -> TablePlan:
    """Compare `schema.name` on both sides of `pair`; read nothing outside that table."""
    started = time.perf_counter()
    digest_sql = row_digest_sql(schema, digest)
    plan = TablePlan(schema)

    checksums = checksummer(pair, schema, digest_sql)
    chunking = choose_chunking(pair, schema, checksums)
    source, target = checksums(chunking, 0, None)
    plan.source_rows = sum(map(itemgetter(1), source))
    plan.target_rows = sum(map(itemgetter(1), target))
    leaves: list[Chunk] = []
    rows_in_leaves = 0
    level = 0
    while True:
        plan.chunks_compared += len(
            set(map(itemgetter(0), source)).union(map(itemgetter(0), target))
        )
        differing = _differing(source, target)  # bucket -> rows in it (the larger side)
        if not differing:
            break
        last = level + 1 >= chunking.levels()
        big = [(level, b) for b, rows in differing.items() if rows > SPLIT_ABOVE_ROWS and not last]
        small = [(level, b) for b, rows in differing.items() if rows <= SPLIT_ABOVE_ROWS or last]
        leaves += small
        rows_in_leaves += sum(differing[bucket] for _, bucket in small)
        if not big:
            break
        level += 1
        source, target = [], []
        for where in chunking.where(big):
            more_source, more_target = checksums(chunking, level, where)
            source += more_source
            target += more_target
    plan.chunks_differing = len(leaves)
    if rows_in_leaves <= FETCH_WHOLE_ROWS:
        compare_rows(pair, plan, chunking.where(leaves))
    else:
        compare_row_digests(pair, plan, chunking.where(leaves), digest_sql)
    plan.seconds = time.perf_counter() - started
    return plan


Checksums = Callable[[Chunking, int, str | None], tuple[list, list]]
CHUNK_COLUMNS = ("a chunk number", "a chunk's row count", "a chunk digest")
BOUND_COLUMNS = ("the smallest key", "the largest key", "the table's row estimate")


def checksummer(pair: ConnectionPair, schema: TableSchema, digest_sql: str) -> Checksums:
    """`checksums(chunking, level, where)`: (bucket, rows, digest) per chunk of `level` (rows
    matching `where`, or all), from each side at once."""
    table = quote(schema.name)

    def checksums(chunking: Chunking, level: int, where: str | None) -> tuple[list, list]:
        bucket = chunking.bucket_sql(level)
        sql = f"SELECT {bucket}, COUNT(*), BIT_XOR({digest_sql}) FROM {table}"  # noqa: S608
        if where:
            sql += f" WHERE {where}"
        found = pair.both(query(sql + " GROUP BY 1"))
        # Buckets go into the next statement on both servers: only checked integers do.
        source, target = (
            checked_int_rows(rows, server=name, what=CHUNK_COLUMNS)
            for rows, name in zip(found, pair.names, strict=True)
        )
        return source, target

    return checksums


def choose_chunking(
    pair: ConnectionPair, schema: TableSchema, checksums: Checksums | None = None
) -> Chunking:
    """Chunks for `schema`: about ROWS_PER_CHUNK rows each, finer at high drift, coarser at very
    low drift. Non-integer keys: from InnoDB's TABLE_ROWS. Integer keys: the key span and
    TABLE_ROWS in one round trip, then one sample of the key space (SAMPLE_WINDOWS windows, about
    1/128 of it) checksummed on both sides gives the real density (TABLE_ROWS can be off by
    half) and the drift. `checksums(chunking, level, where)` runs the sample (None: no sample)."""
    table = quote(schema.name)
    estimate = (
        "SELECT TABLE_ROWS FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s"
    )
    if not schema.integer_key:
        found = [
            checked_int_rows(rows, server=name, what=BOUND_COLUMNS[2:], nullable=BOUND_COLUMNS)
            for rows, name in zip(
                pair.both(query(estimate, (schema.name,))), pair.names, strict=True
            )
        ]
        return plan_chunking(
            schema, max(_count(rows[0] if rows else ()) for rows in found), None, None
        )
    key = quote(schema.primary_key[0])
    bounds = query(f"SELECT MIN({key}), MAX({key}), ({estimate}) FROM {table}", (schema.name,))  # noqa: S608
    # The bounds set the key ranges of every later statement, on both servers.
    found = [
        checked_int_rows(rows, server=name, what=BOUND_COLUMNS, nullable=BOUND_COLUMNS)[0]
        for rows, name in zip(pair.both(bounds), pair.names, strict=True)
    ]
    rows = max(_count(row[2:]) for row in found)
    lows = [row[0] for row in found if row[0] is not None]
    if not lows:
        return plan_chunking(schema, rows, None, None)
    low, high = min(lows), max(row[1] for row in found if row[1] is not None)
    chunking = plan_chunking(schema, rows, low, high)
    if checksums is None:
        return chunking
    return refine_chunking(schema, chunking, checksums)


def _count(row: tuple) -> int:
    """The row count in a one-column result row (NULL or no row: 0)."""
    return int(row[0] or 0) if row else 0


def refine_chunking(schema: TableSchema, chunking: IntegerRanges, checksums: Checksums) -> Chunking:
    """Checksum a sample of `chunking`'s chunks on both sides; re-plan from what it shows.

    Density: rows per key value inside the sampled windows that hold rows (empty stretches of
    key space cost nothing: GROUP BY skips empty chunks). Drift: differing sampled chunks per
    sampled row, an estimate of the share of rows that differ.
    """
    low, high, width = chunking.low, chunking.high, chunking.width0
    span = high - low + 1
    window = max(width, span // (SAMPLE_WINDOWS * 128) // width * width)
    starts = sorted(
        {(low + span * i // SAMPLE_WINDOWS) // width * width for i in range(SAMPLE_WINDOWS)}
    )
    key = quote(chunking.key)
    ranges = " OR ".join(f"{key} BETWEEN {start} AND {start + window - 1}" for start in starts)
    source, target = checksums(chunking, 0, ranges)
    densities = []
    for side in (source, target):
        per_window: dict[int, int] = {}
        for bucket, count, _ in side:
            first = chunking.key_range((0, bucket))[0]
            window_index = bisect_right(starts, first)
            per_window[window_index] = per_window.get(window_index, 0) + count
        if per_window:
            densities.append(sum(per_window.values()) / (len(per_window) * window))
    if not densities:
        return chunking
    rows = max(round(max(densities) * span), 1)
    sampled_rows = max(sum(map(itemgetter(1), source)), sum(map(itemgetter(1), target)), 1)
    drift = len(_differing(source, target)) / sampled_rows  # differing rows per row, at least
    chunking = plan_chunking(schema, rows, low, high)  # about ROWS_PER_CHUNK rows a chunk
    # Finer or coarser by whole factors of that width, so the levels still nest.
    if 1 - math.exp(-drift * ROWS_PER_CHUNK) > DRIFTY_CHUNK_SHARE:
        if chunking.width0 >= FINER_FACTOR:
            return replace(chunking, width0=chunking.width0 // FINER_FACTOR)
    elif 1 - math.exp(-drift * ROWS_PER_CHUNK * COARSER_FACTOR) <= CALM_CHUNK_SHARE:
        return replace(chunking, width0=chunking.width0 * COARSER_FACTOR)
    return chunking


def _differing(source: list[tuple], target: list[tuple]) -> dict[int, int]:
    """Buckets whose (rows, digest) differ between the sides, with their larger row count."""
    rows: dict[int, int] = {}
    for bucket, count, _ in set(source).symmetric_difference(target):
        rows[bucket] = max(rows.get(bucket, 0), count)
    return rows
