"""Benchmark: tapstack-sync against pt-table-sync and dump-and-reload, same servers, same run.

Two local MariaDB servers; a 1,000,000-row reference table (id, code, name, DECIMAL price,
DATETIME(6), nullable VARCHAR payload) on the source, a drifted copy on the target. At 0.01% and
1% drift (updates, deletes and inserts mixed) each contender starts from the same drifted copy, with
both servers flushed and their buffer pools warmed by an untimed pass; every contender is
timed as the best of `--runs` (default 2) such runs:

- tapstack-sync: the console script, end to end (process start included), `--json`
- pt-table-sync --execute (Debian percona-toolkit)
- dump and reload: mariadb-dump --single-transaction | mariadb
- checksum-scan limit: one chunk-checksum pass over both tables at once (the same digest and
  chunks the engine's first pass uses): no sync can compare both tables faster than this

then 10,000,000 rows at 0.01% drift for tapstack-sync alone, against the 5-minute Lambda budget
(skip with --skip-10m). Every result is verified (CHECKSUM TABLE on both sides) before it counts.

    uv run python bench/sync_bench.py [--rows 1000000] [--skip-10m]
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lambda"))

import mariadb_server
from tapstack_sync import Dsn
from tapstack_sync.connection import connect
from tapstack_sync.digest import choose_digest, row_digest_sql
from tapstack_sync.pair import ConnectionPair, query
from tapstack_sync.plan import choose_chunking
from tapstack_sync.schema import read_schema

BIN = Path(sys.executable).parent
DATABASE = "bench"
TABLE = "reference_data"
# A 1M-row table is ~150 MB: give each server a pool that holds it, as any real server would.
BUFFER_POOL = {1_000_000: "512M", 10_000_000: "3G"}
DDL = f"""CREATE TABLE {TABLE} (
    id BIGINT NOT NULL PRIMARY KEY,
    code VARCHAR(16) NOT NULL,
    name VARCHAR(64) NOT NULL,
    price DECIMAL(12,4) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    payload VARCHAR(64) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"""
ROW_SQL = (
    "SELECT seq, CONCAT('C', seq), CONCAT('name ', seq, ' ', LEFT(MD5(seq), 12)), "
    "seq * 1.2345, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL seq "
    "MICROSECOND, IF(seq % 7 = 0, NULL, SHA1(seq))"
)


@dataclass
class Server:
    server: mariadb_server.MariaDBServer

    @property
    def dsn(self) -> Dsn:
        s = self.server
        return Dsn(host=s.host, port=s.port, user=s.user, password=s.password, database=DATABASE)

    @property
    def url(self) -> str:
        s = self.server
        return f"mysql://{s.user}:{s.password}@{s.host}:{s.port}/{DATABASE}"

    def run(self, *statements: str) -> list[tuple]:
        connection = connect(self.dsn)
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                rows = list(cursor.fetchall())
            connection.commit()
            return rows
        finally:
            connection.close()

    def checksum(self) -> int:
        return self.run(f"CHECKSUM TABLE {TABLE} EXTENDED")[0][1]


def start(stack: ExitStack, rows: int) -> Server:
    pool = BUFFER_POOL.get(rows, "3G")
    mariadb_server.SERVER_OPTIONS = (
        *mariadb_server.SERVER_OPTIONS,
        f"--innodb-buffer-pool-size={pool}",  # later options win over the shared defaults
        "--innodb-log-file-size=512M",
        # Flush fast between runs (settle()), instead of the default 200 pages a second.
        "--innodb-io-capacity=20000",
        "--innodb-io-capacity-max=40000",
    )
    scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sync-bench-")))
    server = mariadb_server.start_mariadb(scratch)
    stack.callback(server.stop)
    admin = mariadb_server
    del admin
    bootstrap = Dsn(
        host=server.host, port=server.port, user=server.user, password=server.password,
        database="mysql",
    )  # fmt: skip
    connection = connect(bootstrap)
    connection.cursor().execute(f"CREATE DATABASE {DATABASE}")
    connection.close()
    return Server(server)


def load(side: Server, rows: int, environment: str) -> None:
    """Create the marker and the table with `rows` deterministic rows (same on every server)."""
    side.run(
        f"DROP TABLE IF EXISTS {TABLE}",
        "CREATE TABLE IF NOT EXISTS tapstack_environment (name VARCHAR(32) PRIMARY KEY)",
        "DELETE FROM tapstack_environment",
        f"INSERT INTO tapstack_environment VALUES ('{environment}')",  # noqa: S608
        DDL,
        f"INSERT INTO {TABLE} {ROW_SQL} FROM seq_1_to_{rows}",
        f"ANALYZE TABLE {TABLE}",
    )


def drift(side: Server, rows: int, fraction: float, seed: int) -> int:
    """Change `fraction` of the rows: a third updated, a third deleted, a third inserted."""
    count = max(3, round(rows * fraction))
    rng = random.Random(seed)  # noqa: S311 - a reproducible drift, not a secret
    picked = rng.sample(range(1, rows + 1), 2 * (count // 3))
    updated, deleted = picked[: count // 3], picked[count // 3 :]
    inserted = [rows + 1 + rng.randrange(rows) for _ in range(count - 2 * (count // 3))]
    inserted = sorted(set(inserted))
    statements = []
    for start in range(0, len(updated), 1000):
        ids = ",".join(map(str, updated[start : start + 1000]))
        statements.append(
            f"UPDATE {TABLE} SET price = price + 0.0001, payload = IF(payload IS NULL, '', NULL) "  # noqa: S608
            f"WHERE id IN ({ids})"
        )
    for start in range(0, len(deleted), 1000):
        ids = ",".join(map(str, deleted[start : start + 1000]))
        statements.append(f"DELETE FROM {TABLE} WHERE id IN ({ids})")  # noqa: S608
    for start in range(0, len(inserted), 1000):
        values = ",".join(
            f"({i}, 'X{i}', 'inserted {i}', 1.5, '2025-01-01 00:00:00.123456', NULL)"
            for i in inserted[start : start + 1000]
        )
        statements.append(f"INSERT INTO {TABLE} VALUES {values}")  # noqa: S608
    side.run(*statements)
    return len(updated) + len(deleted) + len(inserted)


def time_tapstack(source: Server, target: Server) -> tuple[float, dict]:
    env = os.environ | {
        "TAPSTACK_SYNC_SOURCE_DSN": source.url,
        "TAPSTACK_SYNC_TARGET_DSN": target.url,
    }
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our own console script
        [str(BIN / "tapstack-sync"), "--table", TABLE, "--allow-table", TABLE, "--json",
         "--force"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if result.returncode:
        raise RuntimeError(f"tapstack-sync failed ({result.returncode}): {result.stderr}")
    return elapsed, json.loads(result.stdout)["tables"][0]


def _pt_dsn(side: Server) -> str:
    s = side.server
    return f"h={s.host},P={s.port},u={s.user},p={s.password},D={DATABASE},t={TABLE}"


def time_pt_table_sync(source: Server, target: Server) -> float:
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - fixed argv
        [shutil.which("pt-table-sync") or "pt-table-sync", "--execute", "--no-check-slave",
         "--no-check-triggers", "--charset", "utf8mb4", _pt_dsn(source), _pt_dsn(target)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 2):  # 2: differences found and synced
        raise RuntimeError(f"pt-table-sync failed ({result.returncode}): {result.stderr}")
    return elapsed


def time_dump_reload(source: Server, target: Server) -> float:
    s, t = source.server, target.server
    dump = [shutil.which("mariadb-dump") or "mariadb-dump", "--no-defaults",
            f"--host={s.host}", f"--port={s.port}", f"--user={s.user}",
            f"--password={s.password}", "--single-transaction", "--skip-lock-tables",
            DATABASE, TABLE]  # fmt: skip
    load_cmd = [shutil.which("mariadb") or "mariadb", "--no-defaults", f"--host={t.host}",
                f"--port={t.port}", f"--user={t.user}", f"--password={t.password}",
                DATABASE]  # fmt: skip
    started = time.perf_counter()
    dumper = subprocess.Popen(dump, stdout=subprocess.PIPE)  # noqa: S603
    loader = subprocess.run(load_cmd, stdin=dumper.stdout, capture_output=True, check=False)  # noqa: S603
    dumper.wait()
    elapsed = time.perf_counter() - started
    if dumper.returncode or loader.returncode:
        raise RuntimeError(f"dump/reload failed: {loader.stderr.decode()}")
    return elapsed


def time_checksum_scan(source: Server, target: Server) -> float:
    """One level-0 chunk-checksum pass over both tables at once: the engine's own first pass
    (its chunk choice, its digest), without anything else the engine does."""
    connections = [connect(source.dsn), connect(target.dsn)]
    pair = ConnectionPair(*connections)
    try:
        schema = read_schema(connections[0], DATABASE, TABLE)
        digest = choose_digest(*connections)
        chunking = choose_chunking(pair, schema)
        sql = (
            f"SELECT {chunking.bucket_sql(0)}, COUNT(*), BIT_XOR({row_digest_sql(schema, digest)})"  # noqa: S608
            f" FROM {TABLE} GROUP BY 1"
        )
        started = time.perf_counter()
        pair.both(query(sql))
        return time.perf_counter() - started
    finally:
        pair.close()
        for connection in connections:
            connection.close()


def settle(*sides: Server) -> None:
    """Let the servers finish flushing what the last load wrote, so no contender pays for it."""
    for side in sides:
        side.run("SET GLOBAL innodb_max_dirty_pages_pct = 0")
    deadline = time.monotonic() + 60
    for side in sides:
        while time.monotonic() < deadline:
            dirty = side.run("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'")[0][1]
            if int(dirty) < 50:
                break
            time.sleep(0.2)
        else:
            print(f"  (server still has {dirty} dirty pages after 60 s)", file=sys.stderr)
        side.run("SET GLOBAL innodb_max_dirty_pages_pct = 90")
    time.sleep(1)


def reset(source: Server, target: Server, rows: int, fraction: float, seed: int) -> int:
    load(target, rows, "staging")
    differing = drift(target, rows, fraction, seed)
    target.run(f"ANALYZE TABLE {TABLE}")
    settle(source, target)
    return differing


def verify(source: Server, target: Server, what: str) -> None:
    if source.checksum() != target.checksum():
        raise RuntimeError(f"{what}: target differs from source after the run")


def best_of(runs: int, setup, measure):
    """The fastest of `runs` measurements, each after its own `setup()` (same for everyone)."""
    best = None
    for _ in range(runs):
        setup()
        result = measure()
        seconds = result[0] if isinstance(result, tuple) else result
        if best is None or seconds < (best[0] if isinstance(best, tuple) else best):
            best = result
    return best


def bench_1m(source: Server, target: Server, rows: int, runs: int) -> list[dict]:
    results = []
    for label, fraction in (("0.01%", 0.0001), ("1%", 0.01)):
        differing = reset(source, target, rows, fraction, seed=7)
        scan = min(time_checksum_scan(source, target) for _ in range(runs + 1))

        def setup(fraction=fraction) -> None:
            reset(source, target, rows, fraction, seed=7)
            time_checksum_scan(source, target)  # warm both buffer pools alike, untimed

        def checked(name, timer):
            def measure():
                result = timer(source, target)
                verify(source, target, name)
                return result

            return measure

        tapstack_seconds, report = best_of(runs, setup, checked("tapstack-sync", time_tapstack))
        pt_seconds = best_of(runs, setup, checked("pt-table-sync", time_pt_table_sync))
        dump_seconds = best_of(runs, setup, checked("dump-and-reload", time_dump_reload))
        results.append(
            {"drift": label, "differing": differing, "tapstack": tapstack_seconds,
             "engine": report["seconds"], "rows_read": report["rows_read_source"],
             "pt": pt_seconds, "dump": dump_seconds, "scan": scan, "rows": rows}
        )  # fmt: skip
        print(f"  measured {label}", file=sys.stderr, flush=True)
    return results


def print_table(results: list[dict]) -> None:
    print()
    print(f"{'drift':>6} {'differing':>9}  {'contender':<22} {'seconds':>8} {'vs tapstack':>12} "
          f"{'rows read from source':>22}")  # fmt: skip
    for r in results:
        rows = [
            ("tapstack-sync", r["tapstack"], f"{r['rows_read']:,}"),
            ("pt-table-sync", r["pt"], "n/a (not reported)"),
            ("dump-and-reload", r["dump"], f"{r['rows']:,} (all)"),
            ("checksum-scan limit", r["scan"], "0 (aggregates)"),
        ]
        for index, (name, seconds, read) in enumerate(rows):
            head = f"{r['drift']:>6} {r['differing']:>9}" if index == 0 else " " * 16
            ratio = seconds / r["tapstack"]
            print(f"{head}  {name:<22} {seconds:>8.2f} {ratio:>11.2f}x {read:>22}")
        print(f"{'':16}  (tapstack engine alone, without process start: {r['engine']:.2f} s)")
    print()
    print("targets:")
    for r in results:
        bound = 50 * r["differing"] + 32
        checks = []
        if r["drift"] == "0.01%":
            checks += [
                ("≥4x faster than pt-table-sync", r["pt"] / r["tapstack"], 4),
                ("≥4x faster than dump-and-reload", r["dump"] / r["tapstack"], 4),
            ]
            limit = r["tapstack"] / r["scan"]
            checks.append(("within 1.5x of the checksum-scan limit", 1.5 / limit, 1))
        else:
            checks += [
                ("≥8x faster than pt-table-sync", r["pt"] / r["tapstack"], 8),
                ("≥2x faster than dump-and-reload", r["dump"] / r["tapstack"], 2),
            ]
        for text, value, goal in checks:
            shown = (f"{r['tapstack'] / r['scan']:.2f}x of the limit" if "limit" in text
                     else f"{value:.1f}x")  # fmt: skip
            print(
                f"  {r['drift']:>6} {text:<42} {shown:>22}  {'MET' if value >= goal else 'NOT MET'}"
            )
        verdict = "MET" if r["rows_read"] <= bound else "NOT MET"
        print(f"  {r['drift']:>6} {'rows read <= 50 x differing + one chunk':<42} "
              f"{r['rows_read']:>10,} <= {bound:<9,}  {verdict}")  # fmt: skip


def bench_10m(stack: ExitStack) -> None:
    rows = 10_000_000
    source, target = start(stack, rows), start(stack, rows)
    with ThreadPoolExecutor(2) as pool:
        list(
            pool.map(lambda args: load(*args), [(source, rows, "prod"), (target, rows, "staging")])
        )
    differing = drift(target, rows, 0.0001, seed=11)
    target.run(f"ANALYZE TABLE {TABLE}")
    settle(source, target)
    scan = min(time_checksum_scan(source, target) for _ in range(2))
    seconds, report = time_tapstack(source, target)
    verify(source, target, "tapstack-sync (10M)")
    print()
    print(f"10,000,000 rows, 0.01% drift ({differing:,} differing rows): tapstack-sync "
          f"{seconds:.2f} s (engine {report['seconds']:.2f} s; checksum-scan limit {scan:.2f} s; "
          f"{report['rows_read_source']:,} rows read from source) — Lambda budget 300 s: "
          f"{'MET' if seconds < 300 else 'NOT MET'}")  # fmt: skip


def main() -> int:
    # A kill ends the run through the normal exits, so the servers it started are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-10m", action="store_true")
    parser.add_argument("--runs", type=int, default=2, help="best of N for every contender")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared)", file=sys.stderr)
    with ExitStack() as stack:
        source, target = start(stack, args.rows), start(stack, args.rows)
        with ThreadPoolExecutor(2) as pool:
            list(
                pool.map(lambda a: load(*a), [(source, args.rows, "prod"), (target, 1, "staging")])
            )
        results = bench_1m(source, target, args.rows, args.runs)
        print_table(results)
    if not args.skip_10m:
        with ExitStack() as stack:
            bench_10m(stack)
    print(f"\nbench wall time {time.perf_counter() - started:.0f} s; load average now "
          f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
