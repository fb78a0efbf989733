"""Benchmark: `sceptre launch` of every group on the local AWS, one stack at a time vs
Sceptre's default concurrency (as many stacks at once as the dependency graph allows).

Each mode gets a fresh local AWS, so both start from empty accounts. The local AWS is far
faster than CloudFormation (no resource takes minutes here), so the figures measure Sceptre's
own orchestration and the emulator, not AWS provisioning; see docs/deploy-budget.md for that.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from aws_accounts import account_session
from deployment import GROUPS, publish_images, run_sceptre
from local_aws import running_local_aws

ENVIRONMENTS = tuple(group.split("/")[0] for group in GROUPS)
MODES = {
    "one stack at a time (--max-concurrency 1)": ["--max-concurrency", "1"],
    "Sceptre default (graph-wide concurrency)": [],
}


def launch_everything(extra_args: list[str]) -> tuple[float, int]:
    """Launch all groups in one `sceptre launch .` (after each group's registry and the
    validator image it needs, as in the demo); return seconds and stacks created."""
    with running_local_aws() as aws:
        os.environ.update(aws.env())  # a fresh boto3 client per account reads these
        seconds = 0.0
        for group in GROUPS:  # the image must be in ECR before compute (docs/architecture.md)
            registry = run_sceptre("launch", "-y", *extra_args, f"{group}/registry.yaml")
            if registry.returncode != 0:
                raise SystemExit(f"launch failed:\n{registry.output}")
            publish_images(group)
            seconds += registry.seconds
        # "": every group at once; peering=off: the accepters' side needs prod's peering stack
        # first (docs/architecture.md, "Launch order"), which one command cannot order; and
        # region_peering=off: prod/us-east-1's side of the inter-region path likewise needs
        # prod/eu-west-1's peering stack first.
        result = run_sceptre(
            "--var",
            "peering=off",
            "--var",
            "region_peering=off",
            "launch",
            "-y",
            *extra_args,
            "",
            env=aws.env(),
        )
        if result.returncode != 0:
            raise SystemExit(f"launch failed:\n{result.output}")
        created = sum(
            summary["StackStatus"] == "CREATE_COMPLETE"
            for environment in ENVIRONMENTS
            for summary in account_session(environment)
            .client("cloudformation")
            .list_stacks()["StackSummaries"]
        )
    return seconds + result.seconds, created


def main() -> None:
    """Print both modes side by side."""
    print(f"sceptre launch of {', '.join(GROUPS)} on the local AWS")
    print(f"{'mode':<44} {'stacks':>6} {'seconds':>8}")
    for label, extra_args in MODES.items():
        seconds, created = launch_everything(extra_args)
        print(f"{label:<44} {created:>6} {seconds:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
