"""Chunk arithmetic: every key falls in the range of its bucket at every level, buckets nest,
and the WHERE clauses select exactly the chunks asked for (SQL DIV truncates toward zero)."""

from hypothesis import given
from hypothesis import strategies as st
from tapstack_sync.chunking import (
    MAX_RANGES_PER_QUERY,
    RANGE_QUERIES_MAX,
    SPLIT,
    IntegerRanges,
    plan_chunking,
)
from tapstack_sync.schema import Column, TableSchema


def sql_div(key: int, width: int) -> int:
    """MySQL's DIV: integer division truncated toward zero."""
    quotient = abs(key) // width
    return quotient if key >= 0 else -quotient


@given(
    key=st.integers(-(2**63), 2**64 - 1),
    width=st.one_of(st.integers(1, 300), st.integers(0, 40).map(lambda power: 2**power)),
)
def test_every_key_lies_in_its_bucket_range_at_every_level(key, width):
    chunking = IntegerRanges("id", width)
    parent = None
    for level in range(chunking.levels()):
        bucket = sql_div(key, chunking.width(level))
        low, high = chunking.key_range((level, bucket))
        assert low <= key <= high
        if parent is not None:  # nested inside the bucket one level up
            assert parent[0] <= low and high <= parent[1]
        parent = (low, high)
    assert chunking.width(chunking.levels() - 1) == 1


def test_few_chunks_become_merged_index_ranges():
    chunking = IntegerRanges("id", 32)
    clauses = chunking.where([(0, 1), (0, 2), (0, -1), (1, 100)])
    assert clauses == [
        "`id` BETWEEN -63 AND -32 OR `id` BETWEEN 32 AND 95 OR `id` BETWEEN 200 AND 201"
    ]


def test_many_chunks_become_one_scan_with_in_lists():
    chunking = IntegerRanges("id", 32)
    many = [(0, 2 * n) for n in range(MAX_RANGES_PER_QUERY * RANGE_QUERIES_MAX + 1)]
    (clause,) = chunking.where(many)
    assert clause.startswith("`id` DIV 32 IN (0, 2, 4")


def test_chunk_width_targets_about_32_rows():
    schema = TableSchema(
        name="t",
        collation=None,
        columns=(Column(name="id", data_type="bigint", column_type="bigint", nullable=False,
                        default=None, charset=None, collation=None, extra=""),),
        primary_key=("id",),
    )  # fmt: skip
    assert plan_chunking(schema, 1_000_000, 1, 1_000_000).width0 == 32
    assert plan_chunking(schema, 1_000, 1, 1_000_000_000).width0 == 2**25  # sparse keys
    assert plan_chunking(schema, 700_000, 1, 1_000_000).width0 == 48  # never rounded to 64
    assert IntegerRanges("id", 48).widths() == [48, 3, 1]
    assert IntegerRanges("id", 4096).widths() == [4096, 256, 16, 1]
    assert SPLIT == 16
