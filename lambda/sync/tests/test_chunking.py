"""Chunk arithmetic: every key falls in the range of its bucket at every level, buckets nest,
the WHERE clauses select exactly the chunks asked for (SQL DIV truncates toward zero), and the
sample of the key space sets the chunk size from the density and drift it finds."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tapstack_sync.chunking import (
    COARSER_FACTOR,
    MAX_RANGES_PER_QUERY,
    RANGE_QUERIES_MAX,
    ROWS_PER_CHUNK,
    SPLIT,
    IntegerRanges,
    plan_chunking,
)
from tapstack_sync.plan import FINER_FACTOR, SAMPLE_WINDOWS, refine_chunking
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


def _key_schema() -> TableSchema:
    column = Column(name="id", data_type="bigint", column_type="bigint", nullable=False,
                    default=None, charset=None, collation=None, extra="")  # fmt: skip
    return TableSchema(name="t", collation=None, columns=(column,), primary_key=("id",))


def _sampler(keys: range, differing: set[int]):
    """Fake `checksums` for refine_chunking: chunks of `keys` inside the sampled windows, with
    a different digest on the target for chunks holding one of `differing`."""
    calls = []

    def checksums(chunking, level, where):
        calls.append(where)
        windows = [tuple(map(int, w)) for w in re.findall(r"BETWEEN (-?\d+) AND (-?\d+)", where)]
        source: dict[int, list[int]] = {}
        for low, high in windows:
            for key in filter(keys.__contains__, range(low, high + 1)):
                source.setdefault(sql_div(key, chunking.width(level)), []).append(key)
        rows = [(bucket, len(found), 7) for bucket, found in source.items()]
        target = [
            (bucket, count, 8 if differing.intersection(source[bucket]) else 7)
            for bucket, count, _ in rows
        ]
        return rows, target

    return checksums, calls


@pytest.mark.parametrize(
    ("drifted_every", "rows_per_chunk"),
    [
        pytest.param(None, ROWS_PER_CHUNK * COARSER_FACTOR, id="no-drift-seen-coarser-chunks"),
        pytest.param(997, ROWS_PER_CHUNK, id="0.1%-drift-32-row-chunks"),
        pytest.param(20, ROWS_PER_CHUNK // FINER_FACTOR, id="5%-drift-finer-chunks"),
    ],
)
def test_the_sample_sets_chunk_size_from_density_and_drift(drifted_every, rows_per_chunk):
    keys = range(1, 2_000_001, 2)  # a million rows, one key in two
    differing = set(keys[::drifted_every]) if drifted_every else set()
    # TABLE_ROWS said 250,000: four times too few; the sample must correct it.
    first_guess = plan_chunking(_key_schema(), 250_000, 1, 1_999_999)
    checksums, calls = _sampler(keys, differing)

    chosen = refine_chunking(_key_schema(), first_guess, checksums)

    assert len(calls) == 1  # one round trip
    assert chosen.width0 == 2 * rows_per_chunk  # two key values per row
    assert (chosen.low, chosen.high) == (1, 1_999_999)


def test_the_sample_reads_about_one_128th_of_the_key_space():
    keys = range(1, 1_000_001)
    checksums, calls = _sampler(keys, set())
    refine_chunking(_key_schema(), plan_chunking(_key_schema(), 1_000_000, 1, 1_000_000), checksums)
    windows = [tuple(map(int, w)) for w in re.findall(r"BETWEEN (-?\d+) AND (-?\d+)", calls[0])]
    sampled = sum(high - low + 1 for low, high in windows)
    assert len(windows) == SAMPLE_WINDOWS
    assert 1_000_000 / 256 <= sampled <= 1_000_000 / 64
