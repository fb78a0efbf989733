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

from tapstack_tools import workflow_runs
from tapstack_tools.sync_demo_data import (
    PROD_REFERENCE_DATA,
    PRODUCTION_TABLES,
    STAGING_DRIFT,
    TARGETS,
)
from tapstack_tools.sync_demo_seed import (
    connect,
    production_fingerprints,
    seed,
    seed_prod_reference_data,
)
from tapstack_tools.sync_workflow_runs import (
    TargetRun,
    WorkflowRun,
    format_sync_summary,
    run_sync,
    sync_workflow,
    target_runs,
    total_changes,
)

__all__ = [
    "PRODUCTION_TABLES",
    "PROD_REFERENCE_DATA",
    "STAGING_DRIFT",
    "TARGETS",
    "TargetRun",
    "WorkflowRun",
    "connect",
    "demonstrate",
    "format_sync_summary",
    "production_fingerprints",
    "run_sync",
    "seed",
    "seed_prod_reference_data",
    "sync_workflow",
    "target_runs",
    "total_changes",
]


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
