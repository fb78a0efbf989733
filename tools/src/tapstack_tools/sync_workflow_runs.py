"""Runs of the deployed sync workflow: start it as its schedule does, wait, and read per target
what changed from the execution's output."""

import json
from dataclasses import dataclass, field
from typing import Any

import boto3

from tapstack_tools import workflow_runs
from tapstack_tools.aws_accounts import account_session
from tapstack_tools.deployment import group_state


@dataclass
class TargetRun:
    """One target's sync: rows changed per table, and the verifying dry run's count."""

    target: str
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    left_after_verify: int = -1


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
