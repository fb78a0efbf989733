"""`make demo`: launch dev, staging and prod (both regions, and prod's global stacks) on the
local AWS and print what was deployed.

Expects the environment printed by `make up` (AWS_ENDPOINT_URL and credentials).
"""

import os
import sys

import rotation_demo
import sync_demo
import validator_demo
import writer_names
from deployment import (
    DEMO_GROUPS,
    format_peering,
    format_summary,
    group_state,
    launch_in_order,
    peering_states,
    stacks_of,
)


def regions_of(groups: tuple[str, ...]) -> list[str]:
    """The regions the groups' stacks live in, sorted."""
    return sorted({stack.region for group in groups for stack in stacks_of(group)})


def main() -> int:
    """Launch every group in turn, then print the summary table."""
    if not os.environ.get("AWS_ENDPOINT_URL"):
        print("demo: AWS_ENDPOINT_URL is not set; run it through `make demo`", file=sys.stderr)
        return 2
    print(f"demo: local AWS at {os.environ['AWS_ENDPOINT_URL']}")
    try:
        runs = launch_in_order(
            DEMO_GROUPS, echo=True, announce=lambda line: print(f"\n==> {line}", flush=True)
        )
    except RuntimeError as err:
        print(f"demo: {err}", file=sys.stderr)
        return 1
    timings = {label: run.seconds for label, run in runs.items()}
    states = {group: group_state(group) for group in DEMO_GROUPS}
    print("\n" + format_summary(timings, states))
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
        f"\ndemo: {sum(len(s) for s in states.values())} stacks in {len(DEMO_GROUPS)} groups, "
        f"regions {', '.join(regions_of(DEMO_GROUPS))}, {sum(timings.values()):.1f} s of launches"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
