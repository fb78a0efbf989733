"""The same read on source and target at once (mysqlclient releases the GIL while it waits)."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from MySQLdb.connections import Connection

T = TypeVar("T")


class ConnectionPair:
    """A source and a target connection, queried in parallel."""

    def __init__(
        self, source: Connection, target: Connection, names: tuple[str, str] = ("source", "target")
    ) -> None:
        self.source = source
        self.target = target
        self.names = names  # how errors name each side, e.g. "target staging's database"
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tapstack-sync")

    def both(self, read: Callable[[Connection], T]) -> tuple[T, T]:
        """`read(source)` and `read(target)`, run concurrently."""
        on_target = self._pool.submit(read, self.target)
        on_source = read(self.source)
        return on_source, on_target.result()

    def close(self) -> None:
        """Stop the worker thread (the connections belong to the caller)."""
        self._pool.shutdown(wait=True)


def query(sql: str, args: tuple | None = None) -> Callable[[Connection], list[tuple]]:
    """A reader that runs `sql` and returns all rows."""

    def read(connection: Connection) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return list(cursor.fetchall())

    return read
