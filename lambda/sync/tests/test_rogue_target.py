"""A rogue target: staging's administrator puts a MySQL-protocol server in front of staging's
database that answers like the real one, except that it returns strings, floats, numbers too
large for any key and SQL fragments where chunk numbers, counts, digests and key bounds belong
(mysql-mimic speaks the protocol; every other statement is forwarded to the real target).

The sync must refuse (exit 2) naming the server and the value, write nothing, and send prod
nothing of what the rogue server returned: every statement prod's server receives during the
run is recorded from its general log and searched for the payload. (mariadb, mysql-mimic)"""

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator

import MySQLdb
import pytest
from mysql_mimic import MysqlServer, Session
from tapstack_sync import Dsn, SyncRequest, sync
from tapstack_sync.errors import SyncError

pytestmark = pytest.mark.mariadb

SQL_FRAGMENT = "0) OR SLEEP(3) OR (0"
UNION = "1 UNION SELECT user FROM mysql.user"
Poison = Callable[[str, list[list]], list[list]]


def _in_chunk_results(value: object, column: int = 0) -> Poison:
    """Put `value` in `column` of every row of a chunk-checksum result."""

    def poison(sql: str, rows: list[list]) -> list[list]:
        if "BIT_XOR(" in sql and "GROUP BY 1" in sql:
            for row in rows:
                row[column] = value
        return rows

    return poison


def _in_key_bounds(value: object) -> Poison:
    """Put `value` where the smallest key belongs."""

    def poison(sql: str, rows: list[list]) -> list[list]:
        if sql.startswith("SELECT MIN("):
            for row in rows:
                row[0] = value
        return rows

    return poison


POISONS = {
    "chunk number as SQL": (_in_chunk_results(SQL_FRAGMENT), SQL_FRAGMENT),
    "chunk number too large": (_in_chunk_results(2**70), str(2**70)),
    "chunk number as float": (_in_chunk_results(1.5), "1.5"),
    "chunk number as bytes": (_in_chunk_results(SQL_FRAGMENT.encode()), SQL_FRAGMENT),
    "row count as SQL": (_in_chunk_results(SQL_FRAGMENT, 1), SQL_FRAGMENT),
    "digest as SQL": (_in_chunk_results(UNION, 2), UNION),
    "key bound as SQL": (_in_key_bounds(UNION), UNION),
    "key bound too large": (_in_key_bounds(-(2**80)), str(-(2**80))),
}


class RogueTarget(Session):
    """Forwards every statement to the real target database, then poisons some results."""

    def __init__(self, real: Dsn, poison: Poison) -> None:
        super().__init__()
        self.real = real
        self.poison = poison
        self.connection_to_real: MySQLdb.Connection | None = None

    def _real(self) -> MySQLdb.Connection:
        if self.connection_to_real is None:
            self.connection_to_real = MySQLdb.connect(
                host=self.real.host, port=self.real.port, user=self.real.user,
                password=self.real.password.get_secret_value(), database=self.real.database,
                charset="utf8mb4", autocommit=True,
            )  # fmt: skip
        return self.connection_to_real

    def _forward(self, sql: str):
        cursor = self._real().cursor()
        cursor.execute(sql)
        if cursor.description is None:
            return None
        names = [column[0] for column in cursor.description]
        return self.poison(sql, [list(row) for row in cursor.fetchall()]), names

    async def handle_query(self, sql: str, attrs: dict[str, str]):
        return await asyncio.to_thread(self._forward, sql)

    async def use(self, database: str) -> None:
        await asyncio.to_thread(self._real().select_db, database)

    async def close(self) -> None:
        if self.connection_to_real is not None:
            self.connection_to_real.close()
        await super().close()


@pytest.fixture
def rogue(pair) -> Iterator[Callable[[Poison], int]]:
    """`rogue(poison)`: start a rogue server in front of the pair's target; its port."""
    loops: list[tuple[asyncio.AbstractEventLoop, MysqlServer, threading.Thread]] = []

    def start(poison: Poison) -> int:
        loop = asyncio.new_event_loop()
        server = MysqlServer(session_factory=lambda: RogueTarget(pair.target.dsn, poison))
        loop.run_until_complete(server.start_server(host="127.0.0.1", port=0))
        port = server._server.sockets[0].getsockname()[1]
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        loops.append((loop, server, thread))
        return port

    yield start
    for loop, server, thread in loops:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.mark.parametrize(("poison", "payload"), POISONS.values(), ids=POISONS.keys())
def test_a_rogue_target_is_refused_and_steers_nothing_on_prod(
    pair, rogue, source_log, poison, payload
):
    table = f"r_{uuid.uuid4().hex[:8]}"
    pair.both(
        f"CREATE TABLE {table} (id INT NOT NULL PRIMARY KEY, v VARCHAR(8) NOT NULL)",
        (f"INSERT INTO {table} VALUES (%s, %s)", [(i, "v") for i in range(1, 200)]),  # noqa: S608
    )
    pair.target.run(f"UPDATE {table} SET v = 'drift' WHERE id IN (7, 70, 170)")  # noqa: S608
    pair.source.classify(table)
    before = pair.target.hex_rows(table)
    port = rogue(poison)
    target = Dsn(host="127.0.0.1", port=port, user="sync_writer", database=pair.target.database)
    request = SyncRequest(source=pair.source.dsn, target=target, tables=[table], allowlist=[table])

    with source_log as log, pytest.raises(SyncError) as refused:
        sync(request)

    assert refused.value.exit_code == 2
    message = str(refused.value)
    assert f"target sync_writer@127.0.0.1:{port}" in message and "64-bit integer" in message
    assert payload[:40] in message
    statements = log.statements()
    assert any(table in statement for statement in statements)  # the log saw the run
    assert not [statement for statement in statements if payload in statement]
    assert pair.target.hex_rows(table) == before
