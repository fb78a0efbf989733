"""How much of the source a sync reads: proportional to the drift, finer chunks at high drift,
sparse and skewed keys (mariadb)."""

import pytest
from tapstack_sync import sync

pytestmark = pytest.mark.mariadb

DDL = "CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL, d DECIMAL(12,2))"


def _fill(pair, ids) -> None:
    rows = [(i, f"v{i}", f"{i % 1000}.25") for i in ids]
    pair.both(DDL, ("INSERT INTO t VALUES (%s, %s, %s)", rows))


@pytest.mark.parametrize(
    ("every", "finer"),
    [
        pytest.param(997, False, id="0.1%-drift-keeps-32-row-chunks"),
        pytest.param(7, True, id="14%-drift-switches-to-finer-chunks"),
    ],
)
def test_chunk_size_adapts_to_the_drift_found(pair, every, finer):
    _fill(pair, range(1, 20_001))
    pair.source.run(f"UPDATE t SET v = 'changed' WHERE id % {every} = 0")  # noqa: S608
    differing = 20_000 // every

    report = sync(pair.request("t", force=True)).tables[0]

    assert pair.identical("t")
    assert report.updated == differing
    assert report.rows_read_source <= 50 * differing + 32
    chunks_at_32_rows = 20_000 // 32
    if finer:
        assert report.chunks_compared >= 3 * chunks_at_32_rows
    else:
        assert report.chunks_compared < 1.5 * chunks_at_32_rows


def test_no_drift_in_the_sample_means_coarser_chunks_split_once(pair):
    _fill(pair, range(1, 20_001))
    # Two changes, both outside the key windows the sample checksums (608-639, 13120-13151 ...).
    pair.source.run("UPDATE t SET v = 'changed' WHERE id IN (700, 13100)")

    report = sync(pair.request("t")).tables[0]

    assert pair.identical("t")
    assert report.updated == 2
    chunks_at_32_rows = 20_000 // 32
    assert report.chunks_compared < chunks_at_32_rows / 2  # 256-row chunks, 2 of them split
    assert report.rows_read_source <= 2 * 16  # only the two differing 16-row pieces


def test_sparse_and_clustered_keys_still_read_little(pair):
    # Two dense clusters far apart, with empty key space between and around them.
    ids = [*range(1, 5001), *range(10**12, 10**12 + 5000)]
    _fill(pair, ids)
    pair.source.run("UPDATE t SET d = 0 WHERE id IN (17, 4999, 1000000000123)")

    report = sync(pair.request("t")).tables[0]

    assert pair.identical("t")
    assert report.updated == 3
    assert report.rows_read_source <= 50 * 3 + 32
