"""Benchmark: what one row costs a MariaDB server in a chunk-checksum pass, in instructions.

Wall and CPU seconds on a shared 2-core machine move by 30-50% from run to run (see
docs/sync.md); instruction counts do not. This runs one MariaDB server under Valgrind's
callgrind, counting only inside statement execution (`mysql_execute_command`: parsing and the
network are left out), loads the sync bench's reference table (`bench/sync_bench.py`: BIGINT
id, VARCHAR code and name, DECIMAL price, DATETIME(6), nullable VARCHAR payload) and prints the
instructions per row of each part of the engine's first pass, built from the engine's own SQL
(tapstack_sync.digest, tapstack_sync.chunking), beside pt-table-sync's per-row checksum:

- reading the rows (COUNT(*))
- the injective row text alone (its length, XOR-ed)
- the text with one 32-bit CRC32C
- the linear 64-bit digest used before session 5 (CRC32 and CRC32C side by side, the text
  carried by a session variable): blind to structured drift, kept here as the reference
- the engine's 64-bit row digest (that CRC pair put through the non-linear mixer)
- the MD5 digest (the engine's path on MySQL 8 / Aurora MySQL 3, which lack CRC32C)
- the engine's first pass: its digest grouped into its level-0 chunks
- pt-table-sync's chunk checksum (CRC32 of CONCAT_WS of the columns and their NULL flags,
  32 bits, no length prefixes), in its own 1,000-row ranges

Needs valgrind (Debian package `valgrind`); about 3 minutes at the default 20,000 rows.

    uv run python bench/checksum_cost.py [--rows 20000]
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from sync_bench import DATABASE, DDL, ROW_SQL, TABLE
from tapstack_local_mariadb import server as mariadb_server
from tapstack_sync import Dsn
from tapstack_sync.chunking import COARSER_FACTOR, plan_chunking
from tapstack_sync.connection import connect, quote
from tapstack_sync.digest import DigestKind, encode_columns, prepare_session, row_digest_sql
from tapstack_sync.schema import TableSchema, read_schema

CALLGRIND = (
    "valgrind",
    "--tool=callgrind",
    "--collect-atstart=no",
    "--toggle-collect=*mysql_execute_command*",
)
# Valgrind cannot map InnoDB's default buffer-pool reservation, nor follow io_uring.
UNDER_VALGRIND = (
    "--innodb-buffer-pool-size=128M",
    "--innodb-buffer-pool-size-max=256M",
    "--innodb-use-native-aio=0",
)
START_TIMEOUT_SECONDS = 600
PT_CHUNK_ROWS = 1000


def select(columns: str, table: str, rest: str = "") -> str:
    """`SELECT columns FROM table rest` (every part built from the schema we read ourselves)."""
    return f"SELECT {columns} FROM {table} {rest}".rstrip()  # noqa: S608 - identifiers quoted by us


def variants(schema: TableSchema, rows: int) -> list[tuple[str, str]]:
    """(what, SQL) for each part of the pass, cheapest first."""
    table = quote(schema.name)
    text = encode_columns(schema.columns)
    digest = row_digest_sql(schema, DigestKind.CRC_PAIR)
    md5 = row_digest_sql(schema, DigestKind.MD5_64)
    linear = f"((CRC32(@tapstack_row := {text}) << 32) | CRC32C(@tapstack_row))"
    chunking = plan_chunking(schema, rows, 1, rows)
    coarse = type(chunking)(chunking.key, chunking.width0 * COARSER_FACTOR, 1, rows)
    names = [quote(column.name) for column in schema.columns]
    nullable = [quote(column.name) for column in schema.columns if column.nullable]
    flags = "CONCAT(" + ", ".join(f"ISNULL({name})" for name in nullable) + ")"
    pt_digest = (
        "BIT_XOR(CAST(CRC32(CONCAT_WS('#', " + ", ".join([*names, flags]) + ")) AS UNSIGNED))"
    )
    key = quote(schema.primary_key[0])
    pt_ranges = range(1, rows + 1, PT_CHUNK_ROWS)
    return [
        ("read rows", select("COUNT(*)", table)),
        ("+ injective row text", select(f"COUNT(*), BIT_XOR(LENGTH({text}))", table)),
        ("+ one CRC32C (32 bits)", select(f"COUNT(*), BIT_XOR(CRC32C({text}))", table)),
        ("+ linear CRC pair (before session 5)", select(f"COUNT(*), BIT_XOR({linear})", table)),
        ("+ 64-bit row digest (non-linear)", select(f"COUNT(*), BIT_XOR({digest})", table)),
        ("+ MD5 row digest (MySQL path)", select(f"COUNT(*), BIT_XOR({md5})", table)),
        *(
            (
                f"engine first pass ({level0.width0}-row chunks)",
                select(f"{level0.bucket_sql(0)}, COUNT(*), BIT_XOR({digest})", table, "GROUP BY 1"),
            )
            for level0 in (coarse, chunking)
        ),
        (
            f"pt-table-sync chunk checksum ({PT_CHUNK_ROWS} rows a query)",
            ";".join(
                select(
                    f"COUNT(*), {pt_digest}",
                    table,
                    f"WHERE {key} BETWEEN {low} AND {low + PT_CHUNK_ROWS - 1}",
                )
                for low in pt_ranges
            ),
        ),
    ]


class Counter:
    """Instructions a callgrind-run server executed between `reset()` and `read()`."""

    def __init__(self, server: mariadb_server.MariaDBServer) -> None:
        self.pid = str(server.process.pid)
        self.dumps = server.base_dir

    def reset(self) -> None:
        subprocess.run(["callgrind_control", "--zero", self.pid], check=True, capture_output=True)  # noqa: S603, S607

    def read(self) -> int:
        before = set(self.dumps.glob("callgrind.out.*"))
        subprocess.run(["callgrind_control", "--dump", self.pid], check=True, capture_output=True)  # noqa: S603, S607
        text = "".join(
            path.read_text(errors="replace")
            for path in sorted(set(self.dumps.glob("callgrind.out.*")) - before)
        )
        found = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.MULTILINE)
        if not found:
            raise RuntimeError("callgrind wrote no instruction count")
        return int(found.group(1))


def run_statements(connection, sql: str) -> None:
    """Run `sql` (one statement, or several separated by ';') and read every result."""
    with connection.cursor() as cursor:
        for statement in sql.split(";"):
            cursor.execute(statement)
            cursor.fetchall()


def measure(rows: int) -> list[tuple[str, float]]:
    """Instructions per row for each variant, on a fresh server under callgrind."""
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="checksum-cost-")))
        wrapper = (*CALLGRIND, f"--callgrind-out-file={scratch}/callgrind.out.%p")
        print("starting MariaDB under callgrind (a minute or two) ...", file=sys.stderr)
        server = mariadb_server.start_mariadb(
            scratch,
            options=UNDER_VALGRIND,
            wrapper=wrapper,
            start_timeout=START_TIMEOUT_SECONDS,
        )
        stack.callback(server.stop)
        admin = Dsn(
            host=server.host, port=server.port, user=server.user, password=server.password,
            database="mysql",
        )  # fmt: skip
        connection = connect(admin)
        stack.callback(connection.close)
        run_statements(
            connection,
            f"CREATE DATABASE {DATABASE};USE {DATABASE};{DDL};"
            f"INSERT INTO {TABLE} {ROW_SQL} FROM seq_1_to_{rows}",
        )
        connection.commit()
        schema = read_schema(connection, DATABASE, TABLE)
        prepare_session(connection)  # as the engine does
        counter = Counter(server)
        results = []
        for what, sql in variants(schema, rows):
            run_statements(connection, sql)  # once untimed: pages and caches warm
            counter.reset()
            run_statements(connection, sql)
            results.append((what, counter.read() / rows))
            print(f"  measured: {what}", file=sys.stderr, flush=True)
        return results


def print_table(results: list[tuple[str, float]], rows: int) -> None:
    """One line per variant: instructions per row and the share of the engine's pass."""
    first_pass = next(cost for what, cost in results if what.startswith("engine first pass"))
    print(f"\n{rows:,} rows, instructions per row inside statement execution (callgrind):\n")
    print(f"{'what':<48} {'instr/row':>10} {'of engine pass':>15}")
    for what, cost in results:
        print(f"{what:<48} {cost:>10,.0f} {cost / first_pass:>14.0%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    if args.rows < PT_CHUNK_ROWS:
        parser.error(f"--rows must be at least {PT_CHUNK_ROWS}")
    missing = [tool for tool in ("valgrind", "callgrind_control") if not shutil.which(tool)]
    if missing:
        parser.error(f"{', '.join(missing)} not found: apt-get install valgrind")
    print_table(measure(args.rows), args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
