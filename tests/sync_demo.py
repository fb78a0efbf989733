"""The demo's sync: seed prod's reference tables with demo data, run one full sync the way the
sync workflow does, and report what changed per table and environment.

The workflow's steps are Lambda invocations of the deployed sync function (prod account): per
target, a dry run that checks the schemas and plans (tables parents first), one invocation per
table, and a verifying dry run that must find nothing left to change. The local AWS records
Step Functions executions but does not run them, so this module makes those same invocations
itself, in the same order, through the Lambda Invoke API.

Production tables (accounts, transactions) are fingerprinted in every environment before and
after: the sync must leave them exactly as they were.
"""

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
import pymysql
from aws_accounts import account_session
from botocore.config import Config
from deployment import GROUPS, group_state

TARGETS = ("staging", "dev")
INVOKE_TIMEOUT_SECONDS = 330
PRODUCTION_TABLES = ("accounts", "transactions")
# Demo reference data in prod: (table, columns, rows).
PROD_REFERENCE_DATA = (
    (
        "currencies",
        ("code", "numeric_code", "name", "symbol", "minor_units"),
        [
            ("USD", 840, "US Dollar", "$", 2),
            ("EUR", 978, "Euro", "€", 2),
            ("GBP", 826, "Pound Sterling", "£", 2),
            ("JPY", 392, "Yen", "¥", 0),
            ("CHF", 756, "Swiss Franc", None, 2),
        ],
    ),
    (
        "merchant_categories",
        ("mcc", "description", "category_group", "risk_level"),
        [
            ("5411", "Grocery stores, supermarkets", "retail", "low"),
            ("5812", "Eating places, restaurants", "food", "low"),
            ("4111", "Local commuter transport", "transport", "medium"),
            ("7995", "Betting, casino gambling", "gaming", "high"),
        ],
    ),
    (
        "fee_schedules",
        ("mcc", "currency_code", "effective_from", "percentage_fee", "fixed_fee"),
        [
            ("5411", "USD", "2026-01-01 00:00:00.000000", "1.9000", "0.1000"),
            ("5411", "EUR", "2026-01-01 00:00:00.000000", "1.7500", "0.1000"),
            ("5812", "USD", "2026-01-01 00:00:00.000000", "2.4000", "0.1500"),
            ("4111", "GBP", "2026-03-01 00:00:00.000000", "1.2000", "0.0500"),
            ("7995", "EUR", "2026-01-01 00:00:00.000000", "3.9000", "0.3000"),
            ("7995", "JPY", "2026-06-01 00:00:00.000000", "3.9000", "30.0000"),
        ],
    ),
)
# Staging starts with drift the sync must repair: a stale name and a row prod does not have.
STAGING_DRIFT = (
    (
        "currencies",
        ("code", "numeric_code", "name", "symbol", "minor_units"),
        [
            ("EUR", 978, "Euro (old name)", "€", 2),
            ("XTS", 963, "Testing code", None, 2),
        ],
    ),
)


@dataclass
class TargetRun:
    """One target's sync: rows changed per table, and the verifying dry run's count."""

    target: str
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    left_after_verify: int = -1


def connect(environment: str) -> pymysql.connections.Connection:
    """The environment's database as its master user (the demo seeds and fingerprints)."""
    session = account_session(environment)
    (database,) = [
        s for s in group_state(f"{environment}/us-east-1") if s.name.endswith("/database")
    ]
    secret = json.loads(
        session.client("secretsmanager").get_secret_value(
            SecretId=database.outputs["MasterSecretArn"]
        )["SecretString"]
    )
    return pymysql.connect(
        host=database.outputs["ClusterEndpoint"],
        port=int(database.outputs["ClusterPort"]),
        user=secret["username"],
        password=secret["password"],
        database=database.outputs["DatabaseName"],
        autocommit=True,
    )


def _upsert(connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    placeholders = ", ".join(["%s"] * len(columns))
    updates = ", ".join(f"{column} = VALUES({column})" for column in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608 - our constants
            f"ON DUPLICATE KEY UPDATE {updates}",
            rows,
        )


def seed_prod_reference_data() -> None:
    """The demo's reference tables in prod (idempotent)."""
    with connect("prod") as prod:
        for table, columns, rows in PROD_REFERENCE_DATA:
            _upsert(prod, table, columns, rows)


def seed() -> None:
    """Demo reference data and one production transaction in prod; drift and a transaction of
    its own in staging."""
    seed_prod_reference_data()
    with connect("prod") as prod:
        _add_transaction(prod, "prod-demo-0001", "USD", "5411")
    with connect("staging") as staging:
        for table, columns, rows in STAGING_DRIFT:
            _upsert(staging, table, columns, rows)
        _upsert(
            staging,
            "merchant_categories",
            ("mcc", "description", "category_group"),
            [("5411", "Grocery stores, supermarkets", "retail")],
        )
        _add_transaction(staging, "staging-test-0001", "EUR", "5411")


def _add_transaction(connection, key: str, currency: str, mcc: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT IGNORE INTO accounts (id, external_id, legal_name, mcc, default_currency, "
            "status) VALUES (1, %s, %s, %s, %s, 'active')",
            (str(uuid.uuid5(uuid.NAMESPACE_URL, key)), f"{key} merchant", mcc, currency),
        )
        cursor.execute(
            "INSERT IGNORE INTO transactions (account_id, idempotency_key, kind, status, amount, "
            "currency_code, occurred_at) VALUES (1, %s, 'capture', 'settled', 42.5000, %s, "
            "'2026-11-23 12:00:00.000000')",
            (key, currency),
        )


def production_fingerprints() -> dict[str, dict[str, str]]:
    """Per environment and production table: row count and checksum."""
    fingerprints = {}
    for group in GROUPS:
        environment = group.split("/")[0]
        with connect(environment) as connection, connection.cursor() as cursor:
            for table in PRODUCTION_TABLES:
                cursor.execute(f"CHECKSUM TABLE {table}")
                (_name, checksum) = cursor.fetchone()
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
                (count,) = cursor.fetchone()
                fingerprints.setdefault(environment, {})[table] = f"{count} rows #{checksum}"
    return fingerprints


def invoke(function: str, event: dict[str, Any], lambda_client: Any) -> dict[str, Any]:
    """One synchronous invocation of the deployed sync function; its error raised as is."""
    response = lambda_client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        raise RuntimeError(
            f"sync {event}: {payload.get('errorType')}: {payload.get('errorMessage')}"
        )
    return payload


def run_sync(force: bool = False, session: boto3.Session | None = None) -> list[TargetRun]:
    """One full sync, as the workflow runs it: per target, check, each table, verify. `force`
    passes the safety brake (an initial fill changes more than 20% of a table by design)."""
    session = session or account_session("prod")
    (sync_stack,) = [s for s in group_state("prod/us-east-1") if s.name.endswith("/sync")]
    function = sync_stack.outputs["SyncFunctionName"]
    # A sync may take the function's whole timeout (5 minutes); never retry a write blindly.
    lambda_client = session.client(
        "lambda", config=Config(read_timeout=INVOKE_TIMEOUT_SECONDS, retries={"max_attempts": 1})
    )
    runs = []
    for target in TARGETS:
        run = TargetRun(target)
        check = {"target": target, "dry_run": True, "force": force}
        plan = invoke(function, check, lambda_client)
        for table in [t["name"] for t in plan["tables"]]:  # parents first
            event = {"target": target, "tables": [table], "force": force}
            report = invoke(function, event, lambda_client)
            (done,) = report["tables"]
            run.tables[table] = {key: done[key] for key in ("inserted", "updated", "deleted")}
        verified = invoke(function, {"target": target, "dry_run": True}, lambda_client)
        run.left_after_verify = verified["rows_changed"]
        runs.append(run)
    return runs


def format_sync_summary(label: str, runs: list[TargetRun]) -> str:
    """Rows inserted/updated/deleted per table and environment."""
    rows = [("sync", "environment", "table", "inserted", "updated", "deleted")]
    for run in runs:
        for table, counts in run.tables.items():
            rows.append(
                (
                    label,
                    run.target,
                    table,
                    *(str(counts[k]) for k in ("inserted", "updated", "deleted")),
                )
            )
        rows.append(
            (label, run.target, "(verify: left to change)", str(run.left_after_verify), "", "")
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def total_changes(runs: list[TargetRun]) -> int:
    """Rows changed over every target and table."""
    return sum(sum(counts.values()) for run in runs for counts in run.tables.values())


def demonstrate(echo=print) -> list[str]:
    """Seed, sync twice, print both summaries; the problems found (empty when all is well)."""
    seed()
    before = production_fingerprints()
    # The first sync fills nearly empty targets: more than the 20% brake allows, so it runs as
    # an operator's confirmed initial load (force). The second is an ordinary run.
    started = time.perf_counter()
    first = run_sync(force=True)
    first_seconds = time.perf_counter() - started
    echo("\n" + format_sync_summary("first (initial load, force)", first))
    started = time.perf_counter()
    second = run_sync()
    second_seconds = time.perf_counter() - started
    echo("\n" + format_sync_summary("second", second))
    echo(
        f"\nsync runs: first {first_seconds:.1f} s, second {second_seconds:.1f} s "
        f"({len(PROD_REFERENCE_DATA) + 2} Lambda invocations per target and run)"
    )
    after = production_fingerprints()
    problems = []
    if total_changes(first) == 0:
        problems.append("the first sync changed nothing")
    if total_changes(second) != 0:
        problems.append(f"the second sync changed {total_changes(second)} rows")
    problems += [
        f"{run.target}: {run.left_after_verify} rows left after the sync"
        for run in first + second
        if run.left_after_verify != 0
    ]
    if before != after:
        problems.append(f"production tables changed: before {before}, after {after}")
    echo(
        "\nproduction tables (never synced), before and after: "
        + "; ".join(f"{env} {tables}" for env, tables in after.items())
    )
    return problems
