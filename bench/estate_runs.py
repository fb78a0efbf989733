"""Proof for the whole-tree NetworkXError (docs/sceptre-dot-path.md): the README's whole-estate
launch and diff, N runs in a row on one local AWS, each with its own string-hash seed.

Sceptre 4.7 mis-builds its graph for a command path with a `.` in it, and which stack it loses
depends on Python's string hashing (PYTHONHASHSEED): `sceptre launch .` failed in some runs,
not in others. The README's whole-estate path is `''`, for which Sceptre reads every stack
once; `.` is refused with one clear message (tapstack_environment.deploy_role). Each run here sets
its own PYTHONHASHSEED for both commands, so the runs do not share one lucky ordering. Run 1
creates the estate (after `make up`'s steps), the others find nothing to update; every diff
must read "No difference" for every stack. At the end `sceptre delete -y ''` (the README's
teardown) must leave no stack in any account.

    uv run python bench/estate_runs.py [RUNS]      # default 10; prints the table
"""

import os
import sys

from tapstack_tools import local_setup
from tapstack_tools.aws_accounts import account_session
from tapstack_tools.deployment import (
    ENVIRONMENTS,
    ESTATE_DELETE,
    ESTATE_DIFF,
    ESTATE_LAUNCH,
    estate_batches,
    run_sceptre,
)
from tapstack_tools.local_aws import running_local_aws


def remaining_stacks() -> list[str]:
    """Stacks left in any account and region of the estate."""
    return [
        summary["StackName"]
        for environment in ENVIRONMENTS
        for region in ("us-east-1", "eu-west-1")
        for summary in account_session(environment, region)
        .client("cloudformation")
        .list_stacks()["StackSummaries"]
        if summary["StackStatus"] != "DELETE_COMPLETE"
    ]


def main(runs: int) -> int:
    """Print one row per run; exit 1 on the first failure."""
    stacks = sum(len(batch) for batch in estate_batches())
    with running_local_aws() as aws:
        os.environ.update(aws.env())
        local_setup.bootstrap()
        local_setup.publish_all_images()
        print(f"whole-estate launch and diff, {runs} runs in a row, {stacks} stacks")
        print(f"{'run':>3} {'hash seed':>9} {'launch s':>8} {'created':>7} {'no-op':>5} "
              f"{'diff s':>6} {'no difference':>13}  result")  # fmt: skip
        for run_number in range(1, runs + 1):
            seed = {"PYTHONHASHSEED": str(run_number * 7919)}
            launch = run_sceptre(*ESTATE_LAUNCH, env=seed)
            diff = run_sceptre(*ESTATE_DIFF, env=seed)
            created = sum(entry["action"] == "CreateStack" for entry in launch.writes)
            no_op = launch.output.count("No updates to perform")
            same = diff.output.count("No difference to deployed stack")
            ok = launch.returncode == 0 and diff.returncode == 0 and same == stacks
            ok = ok and created + no_op == stacks and "NetworkXError" not in launch.output
            print(f"{run_number:>3} {seed['PYTHONHASHSEED']:>9} {launch.seconds:>8.1f} "
                  f"{created:>7} {no_op:>5} {diff.seconds:>6.1f} {same:>13}  "
                  f"{'ok' if ok else 'FAILED'}", flush=True)  # fmt: skip
            if not ok:
                print(launch.output[-3000:] + diff.output[-3000:], file=sys.stderr)
                return 1
        delete = run_sceptre(*ESTATE_DELETE)
        left = remaining_stacks()
        print(f"sceptre delete -y '': exit {delete.returncode} in {delete.seconds:.1f} s, "
              f"{len(left)} stacks left")  # fmt: skip
        return 0 if delete.returncode == 0 and not left else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
