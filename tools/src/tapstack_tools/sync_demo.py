"""The demo's sync: seed prod's reference tables with demo data, run the deployed sync workflow
twice, and report each execution's steps and what changed per table and environment.

Each run starts the Step Functions workflow of prod's sync stack with the input its EventBridge
schedule sends (the targets and the allowlist), the first one also with `"force": true` (an
operator's confirmed initial load past the safety brake). The local AWS executes the deployed
definition: per target, a dry run that checks the schemas and plans (tables parents first), one
invocation of the deployed sync function per table (with retries), and a verifying dry run that
must find nothing left to change; a failure is published to the failure topic. The execution's
history (GetExecutionHistory) gives the steps printed, its output the rows changed.

Production tables (accounts, transactions) are fingerprinted in every environment before and
after: the sync must leave them exactly as they were.
"""

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
import pymysql

from tapstack_tools import workflow_runs
from tapstack_tools.aws_accounts import account_session
from tapstack_tools.deployment import GROUPS, group_state

TARGETS = ("staging", "dev")
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


@dataclass
class WorkflowRun:
    """One execution of the sync workflow: its steps, and per target what changed."""

    execution: workflow_runs.Run
    targets: list[TargetRun]

    def invocations(self) -> int:
        """Invocations of the sync function (every attempt of every sync step)."""
        return sum(s.attempts for s in self.execution.steps if s.kind == "Task" and s.target)


def sync_workflow(session: boto3.Session) -> tuple[str, dict[str, Any]]:
    """The state machine of prod's sync stack, and the input its schedule starts it with."""
    (sync_stack,) = [s for s in group_state("prod/us-east-1") if s.name.endswith("/sync")]
    machine = sync_stack.outputs["SyncStateMachineArn"]
    events = session.client("events")
    for rule in events.list_rule_names_by_target(TargetArn=machine)["RuleNames"]:
        for target in events.list_targets_by_rule(Rule=rule)["Targets"]:
            if target["Arn"] == machine:
                return machine, json.loads(target["Input"])
    raise RuntimeError(f"no EventBridge schedule targets {machine} (SyncScheduleEnabled?)")


def target_runs(output: list[dict[str, Any]]) -> list[TargetRun]:
    """Per target, rows inserted/updated/deleted per table and the verify's count, read from
    the execution's output (one entry per target, as its Map state ends)."""
    runs = []
    for state in output:
        run = TargetRun(state["target"])
        for item in state["synced"]:
            (done,) = item["synced"]["report"]["tables"]
            run.tables[item["table"]] = {k: done[k] for k in ("inserted", "updated", "deleted")}
        run.left_after_verify = state["verified"]["report"]["rows_changed"]
        runs.append(run)
    return runs


def run_sync(
    force: bool = False, session: boto3.Session | None = None, label: str = "demo-sync"
) -> WorkflowRun:
    """One full sync: an execution of the deployed workflow, started as its schedule starts it.
    `force` passes the safety brake (an initial fill changes more than 20% of a table)."""
    session = session or account_session("prod")
    machine, schedule_input = sync_workflow(session)
    stepfunctions = session.client("stepfunctions")
    arn = workflow_runs.start(stepfunctions, machine, {**schedule_input, "force": force}, label)
    execution = workflow_runs.wait(stepfunctions, arn)
    succeeded = execution.status == "SUCCEEDED"
    return WorkflowRun(execution, target_runs(execution.output) if succeeded else [])


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
    """Seed, run the sync workflow twice, print each run's steps and summary; the problems
    found (empty when all is well)."""
    seed()
    before = production_fingerprints()
    # The first sync fills nearly empty targets: more than the 20% brake allows, so it runs as
    # an operator's confirmed initial load (force). The second is an ordinary, scheduled-like run.
    first = run_sync(force=True, label="demo-initial-load")
    echo("\n" + workflow_runs.format_steps(first.execution, "sync workflow, first run (force)"))
    echo("\n" + format_sync_summary("first (initial load, force)", first.targets))
    second = run_sync(label="demo-second-run")
    echo("\n" + workflow_runs.format_steps(second.execution, "sync workflow, second run"))
    echo("\n" + format_sync_summary("second", second.targets))
    echo(
        f"\nsync runs: first {first.execution.seconds:.1f} s "
        f"({first.invocations()} sync Lambda invocations), second "
        f"{second.execution.seconds:.1f} s ({second.invocations()}), each one execution of the "
        "deployed Step Functions workflow"
    )
    after = production_fingerprints()
    problems = [
        f"{label} run {run.execution.status}: {run.execution.error}: {run.execution.cause}"
        for label, run in (("first", first), ("second", second))
        if run.execution.status != "SUCCEEDED"
    ]
    if problems:
        return problems
    problems += [
        f"{label} run synced {sorted(t.target for t in run.targets)}, not {sorted(TARGETS)}"
        for label, run in (("first", first), ("second", second))
        if sorted(t.target for t in run.targets) != sorted(TARGETS)
    ]
    if total_changes(first.targets) == 0:
        problems.append("the first sync changed nothing")
    if total_changes(second.targets) != 0:
        problems.append(f"the second sync changed {total_changes(second.targets)} rows")
    problems += [
        f"{run.target}: {run.left_after_verify} rows left after the sync"
        for run in first.targets + second.targets
        if run.left_after_verify != 0
    ]
    if before != after:
        problems.append(f"production tables changed: before {before}, after {after}")
    echo(
        "\nproduction tables (never synced), before and after: "
        + "; ".join(f"{env} {tables}" for env, tables in after.items())
    )
    return problems
