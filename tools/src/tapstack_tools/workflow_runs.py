"""Run a Step Functions workflow and read what it did: start an execution, wait for it, and turn
its GetExecutionHistory into steps (state, target, table, attempts, errors, outcome).

Used by the demo's sync (tapstack_tools.sync_demo) and the e2e tests of the deployed sync workflow.
"""

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
POLL_SECONDS = 0.5
# State types whose steps are shown; Map and Pass states only carry data between them.
SHOWN = ("Task", "Choice", "Succeed", "Fail")


@dataclass
class Step:
    """One state the execution entered: a Task's attempts and errors, or a decision."""

    state: str
    kind: str
    target: str = ""
    table: str = ""
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    outcome: str = ""
    output: Any = None


@dataclass
class Run:
    """A finished execution: DescribeExecution's facts, the steps, the raw events."""

    arn: str
    status: str
    error: str | None
    cause: str | None
    output: Any
    seconds: float
    steps: list[Step]
    events: list[dict[str, Any]]

    def tasks(self, state: str) -> list[Step]:
        """The steps of the Task state `state`, in order."""
        return [step for step in self.steps if step.state == state]


def start(stepfunctions: Any, machine_arn: str, workflow_input: dict[str, Any], label: str) -> str:
    """StartExecution with a readable, unique name; the execution ARN."""
    name = f"{label}-{uuid.uuid4().hex[:8]}"
    return stepfunctions.start_execution(
        stateMachineArn=machine_arn, name=name, input=json.dumps(workflow_input)
    )["executionArn"]


def history(stepfunctions: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every event of the execution, oldest first (all pages)."""
    events, token = [], None
    while True:
        page = stepfunctions.get_execution_history(
            executionArn=execution_arn,
            maxResults=1000,
            includeExecutionData=True,
            **({"nextToken": token} if token else {}),
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def wait_for_event(
    stepfunctions: Any,
    execution_arn: str,
    matches: Callable[[dict[str, Any]], bool],
    timeout: float = 300,
) -> dict[str, Any]:
    """Poll the running execution's history until an event `matches`; that event."""
    deadline = time.monotonic() + timeout
    while True:
        found = [event for event in history(stepfunctions, execution_arn) if matches(event)]
        if found:
            return found[0]
        described = stepfunctions.describe_execution(executionArn=execution_arn)
        if described["status"] in FINISHED or time.monotonic() > deadline:
            raise TimeoutError(f"{execution_arn} ({described['status']}): no such event")
        time.sleep(POLL_SECONDS)


def wait(stepfunctions: Any, execution_arn: str, timeout: float = 900) -> Run:
    """Poll DescribeExecution until the execution ends; the run with its steps."""
    started = time.monotonic()
    while (described := stepfunctions.describe_execution(executionArn=execution_arn))[
        "status"
    ] not in FINISHED:
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{execution_arn} still {described['status']} after {timeout} s")
        time.sleep(POLL_SECONDS)
    events = history(stepfunctions, execution_arn)
    stop = described.get("stopDate") or described["startDate"]
    return Run(
        arn=execution_arn,
        status=described["status"],
        error=described.get("error"),
        cause=described.get("cause"),
        output=json.loads(described["output"]) if described.get("output") else None,
        seconds=(stop - described["startDate"]).total_seconds(),
        steps=steps(events),
        events=events,
    )


def steps(events: list[dict[str, Any]]) -> list[Step]:
    """The shown states in the order entered, with each Task's attempts, errors and outcome."""
    found: list[Step] = []
    current: Step | None = None
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            if found and found[-1].kind == "Choice" and not found[-1].outcome:
                found[-1].outcome = f"-> {details['name']}"
            state_type = kind.removesuffix("StateEntered")
            current = None
            if state_type in SHOWN:
                data = _json(details.get("input"))
                current = Step(
                    state=details["name"],
                    kind=state_type,
                    target=str(data.get("target", "")) if isinstance(data, dict) else "",
                    table=str(data.get("table", "")) if isinstance(data, dict) else "",
                )
                found.append(current)
        elif current is None:
            continue
        elif kind == "TaskScheduled":
            current.attempts += 1
        elif kind == "TaskFailed":
            current.errors.append(event["taskFailedEventDetails"].get("error", "?"))
            current.outcome = "failed"
        elif kind == "TaskSucceeded":
            current.outcome = "succeeded"
            current.output = _json(event["taskSucceededEventDetails"].get("output"))
        elif kind == "ExecutionFailed" and current.kind == "Fail":
            current.outcome = f"fails: {event['executionFailedEventDetails'].get('error', '')}"
    for step in found:
        if step.kind == "Succeed":
            step.outcome = "succeeds"
        elif step.kind == "Fail" and not step.outcome:
            step.outcome = "fails"
    return found


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def format_steps(run: Run, title: str) -> str:
    """The run's steps as a table: state, target, table, attempts, outcome."""
    rows = [("step", "target", "table", "attempts", "outcome")]
    for step in run.steps:
        outcome = step.outcome
        if step.errors:
            outcome = f"{outcome} (errors: {', '.join(step.errors)})"
        attempts = str(step.attempts) if step.kind == "Task" else ""
        rows.append((step.state, step.target, step.table, attempts, outcome))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    header = f"{title}: execution {run.arn.rsplit(':', 1)[-1]} {run.status} in {run.seconds:.1f} s"
    if run.error:
        header += f" ({run.error})"
    return "\n".join([header, *(line.rstrip() for line in lines)])
