"""`tapstack-launch`: `sceptre launch -y PATH`, each stack started as soon as its own
dependencies are complete instead of batch after batch.

    tapstack-launch [--var KEY=VALUE ...] [--max-concurrency N] [-y] COMMAND_PATH

Run from the project directory (the one holding config/), as `sceptre` is. It builds the same
plan as `sceptre launch` (SceptrePlan resolved for `launch`: the stacks of COMMAND_PATH and the
stacks they depend on), skips stacks marked `ignore` or `obsolete` as `sceptre launch` does
without --prune, and runs Sceptre's own StackActions.launch() on each stack (create, update, or
nothing to update; hooks and resolvers as usual) through
tapstack_tools.dependency_schedule. It does NOT prune: obsolete stacks are neither deleted nor
launched (use `sceptre launch --prune` for that).

Each stack's start and finish is printed as it happens (stack, status, seconds), then a table
of every stack. On a failure nothing new starts, the running stacks finish, and the command
names the failed stack and the stacks never started, and exits 1. A bad --var or a
COMMAND_PATH with no stack under config/ is a one-line error (exit 2).
"""

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence

from sceptre.cli.helpers import setup_logging
from sceptre.context import SceptreContext
from sceptre.exceptions import SceptreException
from sceptre.plan.actions import StackActions
from sceptre.plan.plan import SceptrePlan
from sceptre.stack import Stack

from tapstack_tools.dependency_schedule import Schedule, StackRun, run_following_dependencies

PROG = "tapstack-launch"


class LaunchError(Exception):
    """A usage error reported on one line (a bad --var, a path with no stacks)."""


def parse_vars(pairs: Sequence[str]) -> dict:
    """`--var KEY=VALUE` as Sceptre reads them: a dotted KEY sets a nested value."""
    variables: dict = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key or any(not part for part in key.split(".")):
            raise LaunchError(f"--var {pair!r} is not KEY=VALUE")
        target = variables
        *parents, last = key.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
            if not isinstance(target, dict):
                raise LaunchError(f"--var {pair!r}: {parent!r} already has a plain value")
        target[last] = value
    return variables


def launch_plan(
    project_path: str, command_path: str, variables: dict
) -> tuple[list[Stack], list[str]]:
    """The stacks `sceptre launch COMMAND_PATH` launches, from Sceptre's own plan (the union of
    its launch_order), and the names of those it skips (marked ignore or obsolete)."""
    context = SceptreContext(
        project_path=project_path, command_path=command_path, user_variables=variables
    )
    try:
        plan = SceptrePlan(context)
        plan.resolve("launch")
    except SceptreException as err:
        message = " ".join(str(err).split())
        raise LaunchError(f"config path {command_path!r}: {message}") from err
    stacks = sorted({s for batch in plan.launch_order for s in batch}, key=lambda s: s.name)
    skipped = [s.name for s in stacks if s.ignore or s.obsolete]
    return [s for s in stacks if s.name not in skipped], skipped


def launch_stack(stack: Stack) -> object:
    """Sceptre's own launch of one stack (create, update or no-op): its StackStatus."""
    return StackActions(stack).launch()


def launch(
    stacks: list[Stack],
    max_concurrency: int | None = None,
    action: Callable[[Stack], object] | None = None,
    show: Callable[[str], None] = print,
) -> Schedule:
    """Launch `stacks` following their dependencies, showing each start and finish; `action`
    launches one stack (default: launch_stack, Sceptre's own)."""
    members = set(stacks)
    lock = threading.Lock()
    origin = time.monotonic()

    def started(stack: Stack) -> None:
        with lock:
            show(f"[{time.monotonic() - origin:7.1f} s] start  {stack.name}")

    def finished(run: StackRun) -> None:
        with lock:
            line = f"[{run.finished:7.1f} s] {run.status:<9} {run.name} ({run.seconds:.1f} s)"
            show(line + (f": {run.error}" if run.error else ""))

    return run_following_dependencies(
        stacks,
        {s: [d for d in s.dependencies if d in members] for s in stacks},
        action or launch_stack,
        max_concurrency=max_concurrency,
        on_start=started,
        on_finish=finished,
        clock=lambda: time.monotonic() - origin,
    )


def summary(schedule: Schedule) -> str:
    """The final table (stack, status, start, seconds), then the verdict."""
    rows = sorted(schedule.runs, key=lambda r: (r.started, r.name))
    width = max([len(r.name) for r in rows] + [len(n) for n in schedule.never_started] + [5])
    lines = [f"{'stack':<{width}}  {'status':<11} {'start s':>8} {'seconds':>8}"]
    lines += [
        f"{r.name:<{width}}  {r.status:<11} {r.started:>8.1f} {r.seconds:>8.1f}" for r in rows
    ]
    lines += [
        f"{name:<{width}}  {'NOT STARTED':<11} {'-':>8} {'-':>8}" for name in schedule.never_started
    ]
    if schedule.succeeded:
        lines.append(f"{len(rows)} stacks launched in {schedule.seconds:.1f} s")
    else:
        lines.append(f"FAILED: {', '.join(schedule.failed) or 'no stack failed'}")
        for run in rows:
            if run.error:
                lines.append(f"  {run.name}: {run.error}")
        if schedule.never_started:
            lines.append(f"never started: {', '.join(schedule.never_started)}")
    return "\n".join(lines)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def parser() -> argparse.ArgumentParser:
    """The command line (`tapstack-launch --help`)."""
    result = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Create or update the stacks of COMMAND_PATH as `sceptre launch -y COMMAND_PATH` "
            "does, but start each stack as soon as its own dependencies are complete instead of "
            "batch after batch. Run from the project directory. Does NOT prune: stacks marked "
            "obsolete (or ignore) are skipped, never deleted (use `sceptre launch --prune`)."
        ),
    )
    result.add_argument(
        "command_path",
        metavar="COMMAND_PATH",
        help="stack group or stack config path under config/ ('' for every stack)",
    )
    result.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Sceptre user variable (repeatable; dotted keys nest)",
    )
    result.add_argument(
        "--max-concurrency",
        type=_positive,
        default=None,
        metavar="N",
        help="at most N stacks at a time (default: no limit)",
    )
    result.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """`tapstack-launch`: 0 when every stack completed, 1 on a failed stack, 2 on bad usage."""
    arguments = parser().parse_args(sys.argv[1:] if argv is None else argv)
    project = os.getcwd()
    try:
        variables = parse_vars(arguments.var)
        stacks, skipped = launch_plan(project, arguments.command_path, variables)
    except LaunchError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    if skipped:
        print(f"skipped (ignore/obsolete, neither created nor updated): {', '.join(skipped)}")
    if not arguments.yes:
        answer = input(f"Do you want to launch {arguments.command_path!r}? [y/N]: ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Not launched.")
            return 1
    setup_logging(debug=False, no_colour=True)  # Sceptre's own per-stack lines, as `sceptre`
    schedule = launch(stacks, arguments.max_concurrency)
    print(summary(schedule), flush=True)
    return 0 if schedule.succeeded else 1


if __name__ == "__main__":
    sys.exit(main())
