"""A dropped connection or a lock timeout mid-apply leaves the table exactly as before, and a
rerun completes (mariadb)."""

import threading

import MySQLdb
import pytest
from tapstack_sync import TableApplyError, sync
from tapstack_sync import apply as apply_module
from tapstack_sync.connection import connect

pytestmark = pytest.mark.mariadb

ROWS = [(i, f"name {i}", f"{i}.25") for i in range(3000)]


@pytest.fixture
def drifted(pair, monkeypatch):
    # Small batches so an apply has many statements to be interrupted between.
    monkeypatch.setattr(apply_module, "DELETE_BATCH", 50)
    monkeypatch.setattr(apply_module, "INSERT_BATCH_BYTES", 2_000)
    pair.both(
        "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, p DECIMAL(9,2))",
        ("INSERT INTO t VALUES (%s, %s, %s)", ROWS),
    )
    pair.source.run(
        "UPDATE t SET name = CONCAT(name, '!') WHERE id % 10 = 0",
        "DELETE FROM t WHERE id % 10 = 1",
        "INSERT INTO t SELECT id + 10000, name, p FROM t WHERE id % 10 = 2",
    )
    return pair


def _killer(side):
    """An observer that kills the target session after the first insert batch."""
    admin = MySQLdb.connect(
        host=side.server.host, port=side.server.port, user=side.server.user,
        password=side.server.password,
    )  # fmt: skip
    state = {"killed": False}

    def observe(table: str, phase: str, done: int) -> None:
        if phase == "insert" and not state["killed"]:
            state["killed"] = True
            cursor = admin.cursor()
            cursor.execute(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND ID <> "
                "CONNECTION_ID()",
                (side.database,),
            )
            sessions = cursor.fetchall()
            assert len(sessions) == 1, sessions  # the sync's own target connection
            for (session,) in sessions:
                cursor.execute(f"KILL CONNECTION {int(session)}")

    return observe, state, admin


def test_killed_target_connection_rolls_the_table_back_and_a_rerun_completes(drifted):
    before = drifted.target.rows("t")
    observe, state, admin = _killer(drifted.target)
    try:
        with pytest.raises(TableApplyError) as caught:
            sync(drifted.request("t", force=True), observer=observe)
    finally:
        admin.close()
    assert state["killed"]
    assert caught.value.table == "t"
    assert "table t: rolled back" in str(caught.value)
    assert drifted.target.rows("t") == before  # deletes of the first batches were undone

    report = sync(drifted.request("t", force=True))
    assert drifted.identical("t")
    assert report.tables[0].deleted == 300 and report.tables[0].inserted == 300


def test_lock_wait_timeout_rolls_the_table_back_and_a_rerun_completes(drifted):
    before = drifted.target.rows("t")
    blocker = connect(drifted.target.dsn)
    locked = threading.Event()
    try:
        with blocker.cursor() as cursor:
            blocker.begin()
            cursor.execute("SELECT * FROM t WHERE id = 2990 FOR UPDATE")  # updated by the sync
            locked.set()
            with pytest.raises(TableApplyError, match="Lock wait timeout"):
                sync(drifted.request("t", force=True, lock_wait_seconds=1))
        blocker.rollback()
    finally:
        blocker.close()
    assert drifted.target.rows("t") == before

    sync(drifted.request("t", force=True))
    assert drifted.identical("t")
