"""`make demo`: launch the whole estate (dev, staging, prod in both regions, prod's global stacks)
on the local AWS with the README's one command, and print what was deployed.

Expects the environment printed by `make up` (AWS_ENDPOINT_URL and the deployer profiles; the
accounts bootstrapped and the Lambda images published). Prints one line per stack as it
completes; every line Sceptre prints (per-resource events too) goes to the log file it names.
"""

import os
import shlex
import sys
import time
from pathlib import Path

from tapstack_tools import rotation_demo, sync_demo, validator_demo, writer_names
from tapstack_tools.deployment import (
    ALL_GROUPS,
    ESTATE_LAUNCH,
    PROJECT_DIR,
    format_peering,
    format_summary,
    group_state,
    peering_states,
    run_sceptre,
    stacks_of,
)
from tapstack_tools.launch_progress import LaunchProgress

LOG_DIR = PROJECT_DIR / ".local" / "demo"


def regions_of(groups: tuple[str, ...]) -> list[str]:
    """The regions the groups' stacks live in, sorted."""
    return sorted({stack.region for group in groups for stack in stacks_of(group)})


def launch_estate() -> tuple[int, LaunchProgress, float]:
    """`sceptre launch -y ''`, one line per stack as it completes; (exit code, progress, s)."""
    log = LOG_DIR / f"launch-{time.strftime('%Y%m%d-%H%M%S')}.log"
    print(f"\n==> sceptre {shlex.join(ESTATE_LAUNCH)}", flush=True)
    shown = log.relative_to(PROJECT_DIR)
    print(f"    (every line Sceptre prints, per-resource events too, goes to {shown})")
    progress = LaunchProgress(log, show=lambda line: print(line, flush=True))
    try:
        run = run_sceptre(*ESTATE_LAUNCH, on_line=progress)
    finally:
        progress.close()
    return run.returncode, progress, run.seconds


def main() -> int:
    """Launch the estate in one command, then print the summary tables and run the sync."""
    if not os.environ.get("AWS_ENDPOINT_URL"):
        print("demo: AWS_ENDPOINT_URL is not set; run it through `make demo`", file=sys.stderr)
        return 2
    print(f"demo: local AWS at {os.environ['AWS_ENDPOINT_URL']}")
    returncode, progress, seconds = launch_estate()
    if returncode != 0:
        print(f"demo: the launch failed; see {progress.log_path}", file=sys.stderr)
        return 1
    states = {group: group_state(group) for group in ALL_GROUPS}
    print("\n" + format_summary(progress.seconds, states))
    peerings = peering_states() + peering_states("prod/eu-west-1")  # + prod's two regions
    print("\n" + format_peering(peerings))
    failed = [
        s.name
        for stacks in states.values()
        for s in stacks
        if s.status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    ]
    failed += [
        p.connection_id for p in peerings if {p.requester_status, p.accepter_status} != {"active"}
    ]
    writers = writer_names.writer_names(states)
    print("\n" + writer_names.format_writer_names(writers))
    failed += [f"{w.group} writer name" for w in writers if w.name is None]
    if failed:
        print(f"demo: not complete or not active: {', '.join(failed)}", file=sys.stderr)
        return 1
    problems = sync_demo.demonstrate()
    if problems:
        print(f"demo: sync: {'; '.join(problems)}", file=sys.stderr)
        return 1
    problems = rotation_demo.demonstrate()
    if problems:
        print(f"demo: master secret rotation: {'; '.join(problems)}", file=sys.stderr)
        return 1
    problems = validator_demo.demonstrate()
    if problems:
        print(f"demo: validator: {'; '.join(problems)}", file=sys.stderr)
        return 1
    print(
        f"\ndemo: {sum(len(s) for s in states.values())} stacks in {len(ALL_GROUPS)} groups, "
        f"regions {', '.join(regions_of(ALL_GROUPS))}, one launch of {seconds:.1f} s; "
        f"per-resource events in {Path(progress.log_path).relative_to(PROJECT_DIR)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
