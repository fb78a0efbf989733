"""Run an action over a graph of stacks, each stack as soon as its own dependencies succeeded.

Sceptre 4.7's executor (sceptre.plan.executor) runs a plan's `launch_order` batch after batch:
a batch starts only when every stack of the previous batch has finished, so a stack waits for
unrelated slow stacks of the batch before it. Here each stack starts the moment every stack it
depends on has returned StackStatus.COMPLETE, so the whole run takes as long as the longest
chain of dependencies, not the sum of each batch's slowest stack.

Pure scheduling: the action (stack -> status) is injected, so tests drive it with fake stacks
and fake timings. A stack is anything with a `name`; `dependencies` maps each stack to the
stacks it waits for (restricted here to the stacks being run).

On a failure (a status other than COMPLETE, or an exception), nothing new starts; the stacks
already running finish; the result names the failed stacks and the stacks never started.
"""

import time
from collections.abc import Callable, Collection, Hashable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from sceptre.stack_status import StackStatus


class Named(Hashable, Protocol):
    """What the scheduler needs of a stack: a name (and to be a dict key)."""

    name: str


S = TypeVar("S", bound=Named)


@dataclass(frozen=True)
class StackRun:
    """One stack's run: its final status, when it started and finished (seconds on `clock`,
    from the schedule's start), and the error if the action raised."""

    name: str
    status: str
    started: float
    finished: float
    error: str = ""

    @property
    def seconds(self) -> float:
        """How long the action took."""
        return self.finished - self.started

    @property
    def succeeded(self) -> bool:
        """True if the action returned StackStatus.COMPLETE."""
        return self.status == StackStatus.COMPLETE


@dataclass(frozen=True)
class Schedule:
    """What a run over the graph did: every stack run (in finish order), the stacks that
    failed, and the stacks never started (after a failure, or waiting on a failed one)."""

    runs: tuple[StackRun, ...]
    failed: tuple[str, ...] = ()
    never_started: tuple[str, ...] = field(default=())

    @property
    def succeeded(self) -> bool:
        """True if every stack ran and completed."""
        return not self.failed and not self.never_started

    @property
    def seconds(self) -> float:
        """From the first start to the last finish."""
        if not self.runs:
            return 0.0
        return max(r.finished for r in self.runs) - min(r.started for r in self.runs)


def _status_name(status: object) -> str:
    return str(getattr(status, "value", status))


def run_following_dependencies(
    stacks: Collection[S],
    dependencies: Mapping[S, Collection[S]],
    action: Callable[[S], object],
    max_concurrency: int | None = None,
    on_start: Callable[[S], None] | None = None,
    on_finish: Callable[[StackRun], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Schedule:
    """Run `action` on every stack of `stacks`, each once every one of its `dependencies`
    (those among `stacks`) has returned StackStatus.COMPLETE, at most `max_concurrency` at a
    time (None: no limit). `on_start` sees each stack as it starts, `on_finish` each run as it
    ends (both from the scheduling thread). Ready stacks start in name order."""
    if max_concurrency is not None and max_concurrency < 1:
        raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency}")
    members = set(stacks)
    waits_for = {s: {d for d in dependencies.get(s, ()) if d in members and d != s} for s in stacks}
    _check_acyclic(waits_for)
    limit = max_concurrency or max(len(members), 1)
    origin = clock()
    pending = sorted(members, key=lambda s: s.name)
    completed: set[S] = set()
    runs: list[StackRun] = []
    failed: list[str] = []
    running: dict[Future, S] = {}

    def timed(stack: S) -> StackRun:
        started = clock() - origin
        try:
            status, error = _status_name(action(stack)), ""
        except Exception as err:  # any error fails the stack, reported by name
            status, error = "FAILED", f"{type(err).__name__}: {err}"
        return StackRun(stack.name, status, started, clock() - origin, error)

    with ThreadPoolExecutor(max_workers=limit) as pool:
        while True:
            if not failed:
                for stack in [s for s in pending if waits_for[s] <= completed]:
                    if len(running) >= limit:
                        break
                    pending.remove(stack)
                    if on_start:
                        on_start(stack)
                    running[pool.submit(timed, stack)] = stack
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: running[f].name):
                stack = running.pop(future)
                run = future.result()
                runs.append(run)
                if run.succeeded:
                    completed.add(stack)
                else:
                    failed.append(run.name)
                if on_finish:
                    on_finish(run)
    return Schedule(tuple(runs), tuple(failed), tuple(s.name for s in pending))


def _check_acyclic(waits_for: Mapping[S, set[S]]) -> None:
    """Raise ValueError naming the stacks of a dependency cycle (none could ever start)."""
    left = {s: set(d) for s, d in waits_for.items()}
    while left:
        ready = [s for s, d in left.items() if not d]
        if not ready:
            names = ", ".join(sorted(s.name for s in left))
            raise ValueError(f"dependency cycle among: {names}")
        for stack in ready:
            del left[stack]
        for remaining in left.values():
            remaining.difference_update(ready)
