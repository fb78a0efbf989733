"""Exactness sweep: seeded drift patterns, structured and random, repaired by tapstack-sync and
by pt-table-sync side by side; how many runs left the copy different from prod?

Each pattern (tapstack_tools.drift_patterns) is applied to a fresh 40-row table on two MariaDB
servers: prod's copy on one, two drifted copies on the other (one for each tool). Structured
patterns are the changes a linear chunk checksum cannot see (the same change on 2-8 rows,
values permuted among rows, four rows whose encodings XOR to zero, the same bit flipped in
several rows); random patterns are 1-8 random updates, deletes and inserts. tapstack-sync runs
through its engine, alternating its two digests (the CRC pair, and MD5 as on MySQL 8 / Aurora);
pt-table-sync runs `--execute` as a user would. After each run both copies are compared with
prod's byte for byte (HEX of every column).

    uv run python bench/sync_exactness.py [--patterns 1000] [--seed 15]
"""

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from tapstack_local_mariadb import server as mariadb_server
from tapstack_sync import Dsn, SyncRequest, sync
from tapstack_sync.connection import connect, quote
from tapstack_sync.digest import DigestKind
from tapstack_sync.guards import CLASS_TABLE, MARKER_TABLE
from tapstack_tools.drift_patterns import SHAPES, base_statements, random_drift, structured_drift

TABLE = "reference_rows"
STRUCTURED_SHARE = 0.75


def dsn(server: mariadb_server.MariaDBServer, database: str) -> Dsn:
    """The admin account's DSN for `database` on `server`."""
    return Dsn(
        host=server.host, port=server.port, user=server.user, password=server.password,
        database=database,
    )  # fmt: skip


def run(server: mariadb_server.MariaDBServer, database: str | None, statements: list) -> None:
    """Execute statements (str, or (sql, args), or (sql, [args]) for executemany) and commit."""
    connection = connect(dsn(server, database or "mysql"))
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                if isinstance(statement, str):
                    cursor.execute(statement)
                elif isinstance(statement[1], list):
                    cursor.executemany(*statement)
                else:
                    cursor.execute(*statement)
        connection.commit()
    finally:
        connection.close()


def hex_rows(server: mariadb_server.MariaDBServer, database: str) -> list[tuple]:
    """Every row of TABLE as the HEX of every column, sorted."""
    connection = connect(dsn(server, database))
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW COLUMNS FROM {TABLE}")
            columns = ", ".join(f"HEX({quote(row[0])})" for row in cursor.fetchall())
            cursor.execute(f"SELECT {columns} FROM {TABLE}")  # noqa: S608
            return sorted(cursor.fetchall(), key=repr)
    finally:
        connection.close()


def new_database(server: mariadb_server.MariaDBServer, name: str, env: str, shape) -> None:
    """A database holding the environment marker and the base table."""
    run(server, None, [f"CREATE DATABASE {name} CHARACTER SET utf8mb4"])
    run(
        server,
        name,
        [
            f"CREATE TABLE {MARKER_TABLE} (name VARCHAR(32) NOT NULL PRIMARY KEY)",
            (f"INSERT INTO {MARKER_TABLE} VALUES (%s)", (env,)),  # noqa: S608
            # prod's classification of the table as reference data (migrations/V0003's table)
            f"CREATE TABLE {CLASS_TABLE} (table_name VARCHAR(64) PRIMARY KEY, class VARCHAR(16))",
            (f"INSERT INTO {CLASS_TABLE} VALUES (%s, 'reference')", (TABLE,)),  # noqa: S608
            *base_statements(shape, TABLE),
        ],
    )


def pt_table_sync(tool: str, source: mariadb_server.MariaDBServer, target, src_db, dst_db) -> int:
    """pt-table-sync --execute from prod's copy into the drifted one; its exit code."""

    def pt_dsn(server, database: str) -> str:
        account = f"h={server.host},P={server.port},u={server.user},p={server.password}"
        return f"{account},D={database},t={TABLE}"

    result = subprocess.run(  # noqa: S603 - fixed argv
        [tool, "--execute", "--no-check-slave", "--no-check-triggers", "--charset", "utf8mb4",
         pt_dsn(source, src_db), pt_dsn(target, dst_db)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return result.returncode


def sweep(patterns: int, seed: int, tool: str) -> tuple[Counter, Counter, Counter, Counter]:
    """Run the sweep; (patterns per family, tapstack left different, pt left different, pt
    errors) by family."""
    rng = random.Random(seed)  # noqa: S311 - seeded drift patterns, not secrets
    shapes = list(SHAPES.values())
    seen, tapstack_left, pt_left, pt_errors = Counter(), Counter(), Counter(), Counter()
    with ExitStack() as stack:
        servers = []
        for name in ("source", "target"):
            base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"exact-{name}-")))
            server = mariadb_server.start_mariadb(base)
            stack.callback(server.stop)
            servers.append(server)
        source, target = servers
        started = time.monotonic()
        for number in range(patterns):
            shape = shapes[number % len(shapes)]
            digest = (DigestKind.CRC_PAIR, DigestKind.MD5_64)[number // len(shapes) % 2]
            if rng.random() < STRUCTURED_SHARE:
                drift = structured_drift(shape, TABLE, rng)
            else:
                drift = random_drift(shape, TABLE, rng, rng.randint(1, 8))
            family = f"{drift.kind} [{shape.name}]"
            prod, ours, theirs = f"p{number}", f"t{number}", f"q{number}"
            new_database(source, prod, "prod", shape)
            new_database(target, ours, "staging", shape)
            new_database(target, theirs, "staging", shape)
            run(source, prod, drift.source)
            run(target, ours, drift.target)
            run(target, theirs, drift.target)
            expected = hex_rows(source, prod)
            request = SyncRequest(
                source=dsn(source, prod), target=dsn(target, ours), tables=[TABLE],
                allowlist=[TABLE], force=True,
            )  # fmt: skip
            sync(request, digest=digest)
            code = pt_table_sync(tool, source, target, prod, theirs)
            seen[family] += 1
            tapstack_left[family] += hex_rows(target, ours) != expected
            pt_left[family] += hex_rows(target, theirs) != expected
            pt_errors[family] += code not in (0, 2)
            run(source, None, [f"DROP DATABASE {prod}"])
            run(target, None, [f"DROP DATABASE {ours}", f"DROP DATABASE {theirs}"])
            if (number + 1) % 50 == 0:
                print(
                    f"  {number + 1}/{patterns} patterns ({time.monotonic() - started:.0f} s): "
                    f"left different: tapstack-sync {sum(tapstack_left.values())}, "
                    f"pt-table-sync {sum(pt_left.values())}",
                    file=sys.stderr, flush=True,
                )  # fmt: skip
    return seen, tapstack_left, pt_left, pt_errors


def print_table(seen: Counter, tapstack_left: Counter, pt_left: Counter, pt_errors: Counter):
    """One line per family and table shape, and the totals."""
    print(f"\n{'drift family [key shape]':<52} {'runs':>5} {'left different:':>16}")
    print(f"{'':<52} {'':>5} {'tapstack-sync':>14} {'pt-table-sync':>14}")
    for family in sorted(seen):
        errors = f" ({pt_errors[family]} errors)" if pt_errors[family] else ""
        print(
            f"{family:<52} {seen[family]:>5} {tapstack_left[family]:>14} "
            f"{pt_left[family]:>14}{errors}"
        )
    total = sum(seen.values())
    print(f"{'all':<52} {total:>5} {sum(tapstack_left.values()):>14} {sum(pt_left.values()):>14}")
    verdict = "MET" if not sum(tapstack_left.values()) else "NOT MET"
    print(f"\ntapstack-sync leaves 0 of {total} copies different: {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    tool = shutil.which("pt-table-sync")
    if not tool:
        parser.error("pt-table-sync not found: apt-get install percona-toolkit")
    results = sweep(args.patterns, args.seed, tool)
    print_table(*results)
    return 0 if not sum(results[1].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
