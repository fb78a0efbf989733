"""The console script, run through its installed entry point (mariadb)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.mariadb

SCRIPT = Path(sys.executable).parent / "tapstack-sync"
TABLE = "CREATE TABLE currencies (code CHAR(3) PRIMARY KEY, name VARCHAR(64) NOT NULL)"
ROWS = [(f"C{i:02d}", f"currency {i}") for i in range(20)]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TAPSTACK_SYNC_")}
    return subprocess.run(  # noqa: S603 - our own console script
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=environment | (env or {}),
        timeout=120,
        check=False,
    )


@pytest.fixture
def filled(pair):
    pair.both(TABLE, ("INSERT INTO currencies VALUES (%s, %s)", ROWS))
    pair.source.run(
        "UPDATE currencies SET name = 'new' WHERE code = 'C01'",
        "INSERT INTO currencies VALUES ('NEW', 'new')",
    )
    return pair


def test_json_report_with_dsns_from_the_environment(filled):
    result = run(
        "--table",
        "currencies",
        "--json",
        env={
            "TAPSTACK_SYNC_SOURCE_DSN": filled.source.url,
            "TAPSTACK_SYNC_TARGET_DSN": filled.target.url,
        },
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"tables", "dry_run"}
    assert report["dry_run"] is False
    (table,) = report["tables"]
    assert set(table) == {
        "name",
        "inserted",
        "updated",
        "deleted",
        "chunks_compared",
        "chunks_differing",
        "rows_read_source",
        "seconds",
    }
    assert (table["name"], table["inserted"], table["updated"], table["deleted"]) == (
        "currencies",
        1,
        1,
        0,
    )
    assert filled.identical("currencies")


def test_dry_run_prints_the_plan_and_changes_nothing(filled):
    before = filled.target.rows("currencies")
    result = run(
        "--source-dsn", filled.source.url, "--target-dsn", filled.target.url,
        "--table", "currencies", "--dry-run",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "dry run" in result.stdout
    assert "currencies" in result.stdout
    assert "  insert: NEW" in result.stdout
    assert "  update: C01" in result.stdout
    assert filled.target.rows("currencies") == before


def test_nothing_to_do_exits_0(filled):
    args = ("--source-dsn", filled.source.url, "--target-dsn", filled.target.url)
    assert run(*args, "--table", "currencies").returncode == 0
    again = run(*args, "--table", "currencies", "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout)["tables"][0]["inserted"] == 0


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        pytest.param(["--table", "currencies"], 2, "give --source-dsn", id="no-dsn"),
        pytest.param(
            ["--source-dsn", "postgres://u:p@h/db", "--target-dsn", "{target}"],
            2,
            "source DSN: expected mysql://",
            id="bad-dsn",
        ),
        pytest.param(
            ["--source-dsn", "{source}", "--target-dsn", "{target}", "--table", "accounts"],
            2,
            "not on the allowlist: accounts",
            id="not-allowed",
        ),
        pytest.param(
            ["--source-dsn", "{source}", "--target-dsn", "{source}"],
            2,
            "same database",
            id="same-database",
        ),
        pytest.param(
            ["--source-dsn", "{source}", "--target-dsn", "{target}", "--max-change-ratio", "x"],
            2,
            "invalid float value",
            id="bad-ratio",
        ),
        pytest.param(
            ["--source-dsn", "{source}", "--target-dsn", "{target}", "--table", "currencies",
             "--max-change-ratio", "0.01"],
            4,
            "safety brake",
            id="brake",
        ),
        pytest.param(
            ["--source-dsn", "{source}", "--target-dsn", "mysql://u:p@127.0.0.1:1/db",
             "--table", "currencies"],
            1,
            "cannot connect to the target u@127.0.0.1:1/db",
            id="unreachable-target",
        ),
    ],
)  # fmt: skip
def test_exit_codes(filled, arguments, code, message):
    args = [a.format(source=filled.source.url, target=filled.target.url) for a in arguments]
    result = run(*args)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert filled.source.server.password not in result.stderr


def test_schema_mismatch_exits_3_with_a_readable_diff(filled):
    filled.target.run("ALTER TABLE currencies MODIFY name VARCHAR(80) NOT NULL")
    result = run(
        "--source-dsn", filled.source.url, "--target-dsn", filled.target.url,
        "--table", "currencies",
    )  # fmt: skip
    assert result.returncode == 3
    assert "currencies.name: column_type 'varchar(64)' (source) vs 'varchar(80)'" in result.stderr
