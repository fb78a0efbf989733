"""How a table is cut into primary-key chunks, at nested levels of fineness.

A chunk is `(level, bucket)`. Level 0 covers the table with chunks of about `ROWS_PER_CHUNK`
rows; each next level cuts every chunk into `SPLIT` smaller ones, nested inside it, so a
differing chunk can be split further and re-checksummed alone.

- A single-column integer key is cut into key ranges: bucket = key DIV width (width a power of
  two, divided by SPLIT per level). A set of chunks is then read with index range scans.
- Any other key (composite, strings, case-insensitive collations) is cut by a hash of the key:
  bucket = CRC32(key) MOD modulus (modulus multiplied by SPLIT per level). Rows whose keys
  differ only in case or trailing spaces may land in different buckets on the two sides; the
  apply step deletes before it inserts, so the result is still exact.
"""

import math
from dataclasses import dataclass

from tapstack_sync.connection import quote
from tapstack_sync.digest import key_hash_sql
from tapstack_sync.schema import TableSchema

ROWS_PER_CHUNK = 32  # level-0 chunk size: rows read per differing row stay far below 50
# At very low drift, level-0 chunks this many times larger: a cheaper first pass (fewer groups
# to build and send), and the few differing chunks are split once (to 16 rows) before reading.
COARSER_FACTOR = 8
SPLIT = 16
MAX_RANGES_PER_QUERY = 48  # beyond a few dozen OR-ed ranges, MariaDB's range optimizer slows
RANGE_QUERIES_MAX = 8  # more ranges than this many queries hold: one scan with IN instead

Chunk = tuple[int, int]  # (level, bucket)


@dataclass(frozen=True)
class IntegerRanges:
    """Chunks are ranges of a single integer key column."""

    key: str
    width0: int
    low: int | None = None  # smallest and largest key on either side, when known
    high: int | None = None

    def widths(self) -> list[int]:
        """Chunk width per level: each divides the one before (so chunks nest); the last is 1."""
        widths = [self.width0]
        while widths[-1] > 1:
            width = widths[-1]
            widths.append(width // SPLIT if width % SPLIT == 0 else 1)
        return widths

    def levels(self) -> int:
        """How many levels exist (the last has width 1)."""
        return len(self.widths())

    def width(self, level: int) -> int:
        """Key values per chunk at `level`."""
        return self.widths()[level]

    def bucket_sql(self, level: int) -> str:
        """SQL for the bucket of a row at `level`."""
        return f"{quote(self.key)} DIV {self.width(level)}"

    def key_range(self, chunk: Chunk) -> tuple[int, int]:
        """Inclusive key range of a chunk (DIV truncates toward zero, so 0 is twice as wide)."""
        level, bucket = chunk
        width = self.width(level)
        if bucket > 0:
            return bucket * width, bucket * width + width - 1
        if bucket < 0:
            return bucket * width - width + 1, bucket * width
        return -(width - 1), width - 1

    def where(self, chunks: list[Chunk]) -> list[str]:
        """WHERE clauses (one per query) that select exactly the rows of `chunks`."""
        if not chunks:
            return []
        key = quote(self.key)
        if len(chunks) > MAX_RANGES_PER_QUERY * RANGE_QUERIES_MAX:
            by_level: dict[int, list[int]] = {}
            for level, bucket in chunks:
                by_level.setdefault(level, []).append(bucket)
            return [
                " OR ".join(
                    f"{self.bucket_sql(level)} IN ({', '.join(map(str, sorted(buckets)))})"
                    for level, buckets in sorted(by_level.items())
                )
            ]
        ranges = _merge(sorted(self.key_range(chunk) for chunk in chunks))
        return [
            " OR ".join(f"{key} BETWEEN {low} AND {high}" for low, high in batch)
            for batch in _batches(ranges, MAX_RANGES_PER_QUERY)
        ]


@dataclass(frozen=True)
class KeyHashes:
    """Chunks are classes of a hash of the whole primary key."""

    key_hash: str
    modulus0: int
    max_levels: int = 3

    def levels(self) -> int:
        """How many levels exist."""
        return self.max_levels

    def modulus(self, level: int) -> int:
        """Number of chunks at `level`."""
        return self.modulus0 * SPLIT**level

    def bucket_sql(self, level: int) -> str:
        """SQL for the bucket of a row at `level`."""
        return f"{self.key_hash} MOD {self.modulus(level)}"

    def where(self, chunks: list[Chunk]) -> list[str]:
        """One WHERE clause selecting exactly the rows of `chunks` (a scan with IN lists)."""
        if not chunks:
            return []
        by_level: dict[int, list[int]] = {}
        for level, bucket in chunks:
            by_level.setdefault(level, []).append(bucket)
        return [
            " OR ".join(
                f"{self.bucket_sql(level)} IN ({', '.join(map(str, sorted(buckets)))})"
                for level, buckets in sorted(by_level.items())
            )
        ]


Chunking = IntegerRanges | KeyHashes


def plan_chunking(schema: TableSchema, rows: int, low: int | None, high: int | None) -> Chunking:
    """Chunks of about ROWS_PER_CHUNK rows for a table of about `rows` rows.

    `low`/`high` are the smallest and largest key on either side (integer keys only).
    """
    rows = max(rows, 1)
    if schema.integer_key:
        span = (high - low + 1) if low is not None and high is not None else 1
        width = _width(span * ROWS_PER_CHUNK / rows)
        return IntegerRanges(schema.primary_key[0], width, low, high)
    return KeyHashes(key_hash_sql(schema), max(1, rows // ROWS_PER_CHUNK))


def _width(wanted: float) -> int:
    """A chunk width near `wanted` that splits evenly: exact below SPLIT, a multiple of SPLIT
    up to SPLIT**2, beyond that a power of two (sparse keys: many levels to split through)."""
    if wanted < SPLIT:
        return max(1, round(wanted))
    if wanted < SPLIT**2:
        return SPLIT * round(wanted / SPLIT)
    return 2 ** round(math.log2(wanted))


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted ranges with touching or overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for low, high in ranges:
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return merged


def _batches(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]
