"""Benchmark: bringing the estate up on the local AWS with the README's commands, group by group
vs the whole estate in one command (Sceptre runs the groups' stacks side by side).

Each mode gets a fresh local AWS and runs `make up`'s steps first (each account's bootstrap,
the images published as CI would; timed apart), then:
- group by group: `sceptre launch -y GROUP` in the README's order for new accounts (the
  accepters, prod's two regions, global, then the accepters again for their side of prod's
  peering);
- whole estate: `sceptre launch -y ''`;
- whole estate, serial: `sceptre launch -y --max-concurrency 1 ''` (the same plan, one stack
  at a time): the baseline the concurrent launch is measured against (`speed-up`);
- whole estate, following dependencies: `tapstack-launch -y ''` (tapstack_tools.dependency_launch:
  the same plan, each stack started as soon as its own dependencies are complete rather than
  batch after batch), run as a subprocess exactly as `sceptre` is (run_tapstack_launch).
Each ends with `sceptre diff ''` reading no difference. The local AWS is far faster than
CloudFormation (no resource takes minutes here), so the figures measure Sceptre's own
orchestration and the emulator, not AWS provisioning; see docs/deploy-budget.md for that.
"""

import os
import shlex
import sys
import time

from tapstack_tools import local_setup
from tapstack_tools.deployment import (
    ESTATE_DIFF,
    ESTATE_LAUNCH,
    GROUP_BY_GROUP,
    SceptreRun,
    estate_batches,
    forget_connections,
    group_launch,
    run_sceptre,
    run_tapstack_launch,
)
from tapstack_tools.local_aws import running_local_aws

# A command starting with LAUNCHER runs `tapstack-launch` with the rest; any other, `sceptre`.
LAUNCHER = "tapstack-launch"
MODES = {
    "group by group (README order, 7 commands)": [group_launch(g) for g in GROUP_BY_GROUP],
    "whole estate (sceptre launch -y '')": [ESTATE_LAUNCH],
    "whole estate, serial (--max-concurrency 1)": [
        (*ESTATE_LAUNCH[:-1], "--max-concurrency", "1", ESTATE_LAUNCH[-1])
    ],
    "whole estate, following dependencies (tapstack-launch '')": [(LAUNCHER, "-y", "")],
}
SERIAL = "whole estate, serial (--max-concurrency 1)"


def run_command(command: tuple[str, ...]) -> SceptreRun:
    """One command of a mode, as a SceptreRun: `tapstack-launch ...` or `sceptre ...`."""
    if command[0] == LAUNCHER:
        return run_tapstack_launch(*command[1:])
    return run_sceptre(*command)


def bring_up(commands: list[tuple[str, ...]]) -> tuple[float, float, int, bool]:
    """On a fresh local AWS: (setup s, launch s, stacks created, diff clean)."""
    with running_local_aws() as aws:
        os.environ.update(aws.env())
        forget_connections()  # Sceptre's cached clients still point at the previous local AWS
        started = time.perf_counter()
        local_setup.bootstrap()
        local_setup.publish_all_images()
        setup_seconds = time.perf_counter() - started
        launch_seconds, created = 0.0, 0
        for command in commands:
            run = run_command(command)
            if run.returncode != 0:
                shown = shlex.join(command if command[0] == LAUNCHER else ("sceptre", *command))
                raise SystemExit(f"`{shown}` failed:\n{run.output[-4000:]}")
            launch_seconds += run.seconds
            created += sum(entry["action"] == "CreateStack" for entry in run.writes)
        diff = run_sceptre(*ESTATE_DIFF)
        stacks = sum(len(batch) for batch in estate_batches())
        clean = diff.returncode == 0 and diff.output.count("No difference to deployed") == stacks
    return setup_seconds, launch_seconds, created, clean


def main(argv: list[str] | None = None) -> None:
    """Print every mode side by side; arguments, if any, keep only the modes whose label
    contains one of them (the speed-up needs the serial mode)."""
    wanted = sys.argv[1:] if argv is None else argv
    modes = {k: v for k, v in MODES.items() if not wanted or any(w in k for w in wanted)}
    print("the estate's launch on the local AWS, with the README's commands")
    print(f"{'mode':<56} {'setup s':>8} {'launch s':>9} {'created':>8} {'diff':>6} {'speed-up':>9}")
    results = {label: bring_up(commands) for label, commands in modes.items()}
    serial = results[SERIAL][1] if SERIAL in results else None
    for label, (setup, launch, created, clean) in results.items():
        diff = "clean" if clean else "DIFF"
        speed_up = f"{serial / launch:>8.2f}x" if serial else f"{'-':>9}"
        print(
            f"{label:<56} {setup:>8.1f} {launch:>9.1f} {created:>8} {diff:>6} {speed_up}",
            flush=True,
        )


if __name__ == "__main__":
    main()
