"""`tapstack-launch` (tapstack_tools.dependency_launch, dependency_schedule): each stack starts as
soon as its own dependencies are complete, not batch after batch as Sceptre 4.7's executor runs
them. Scheduling is checked with fake stacks and a fake action that sleeps per-stack times (the
event order is asserted, not wall-clock thresholds). The real command on the local AWS:
tests/test_whole_estate_e2e.py (the whole estate again, nothing to change) and
bench/launch_bench.py (the whole estate created, then a clean diff).
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sceptre.plan import executor as sceptre_executor
from sceptre.stack_status import StackStatus
from tapstack_tools import dependency_launch
from tapstack_tools.dependency_schedule import Schedule, run_following_dependencies
from tapstack_tools.deployment import PROJECT_DIR


@dataclass(eq=False)
class FakeStack:
    """What the scheduler and the launcher read of a Sceptre stack."""

    name: str
    dependencies: list["FakeStack"] = field(default_factory=list)
    ignore: bool = False
    obsolete: bool = False

    def __hash__(self) -> int:
        return hash(self.name)


def graph(spec: dict[str, list[str]]) -> dict[str, FakeStack]:
    """Fake stacks from {name: [dependency names]}."""
    stacks = {name: FakeStack(name) for name in spec}
    for name, needs in spec.items():
        stacks[name].dependencies = [stacks[n] for n in needs]
    return stacks


class Recorder:
    """A fake launch: sleeps the stack's time, returns its status (or raises), and records
    every start and finish in the order they happened. A stack in `until` sleeps until the
    stack it names has finished, at most its time: the slow stack outlasts whatever can run
    beside it, whatever the machine's load."""

    def __init__(
        self,
        seconds: dict[str, float],
        statuses: dict[str, object] | None = None,
        until: dict[str, str] | None = None,
    ):
        self.seconds = seconds
        self.statuses = statuses or {}
        self.until = until or {}
        self.events: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.finished: dict[str, threading.Event] = {n: threading.Event() for n in seconds}

    def __call__(self, stack: FakeStack) -> object:
        with self._lock:
            self.events.append(("start", stack.name))
        if stack.name in self.until:
            self.finished[self.until[stack.name]].wait(timeout=self.seconds[stack.name])
        else:
            time.sleep(self.seconds[stack.name])
        with self._lock:
            self.events.append(("finish", stack.name))
        self.finished[stack.name].set()
        status = self.statuses.get(stack.name, StackStatus.COMPLETE)
        if isinstance(status, Exception):
            raise status
        return status

    def at(self, kind: str, name: str) -> int:
        """Position of an event in the order things happened."""
        return self.events.index((kind, name))


def follow(stacks: dict[str, FakeStack], action: Callable, **options) -> Schedule:
    """The scheduler under test, over fake stacks."""
    every = list(stacks.values())
    return run_following_dependencies(every, {s: s.dependencies for s in every}, action, **options)


def sceptre_batches(stacks: dict[str, FakeStack], action: Callable, monkeypatch) -> None:
    """The same fake stacks through Sceptre 4.7's own executor, batch after batch (its
    launch_order: each batch the stacks whose dependencies are in earlier batches)."""
    left, batches = dict(stacks), []
    while left:
        done = {n for batch in batches for n in batch}
        batch = {n for n, s in left.items() if all(d.name in done for d in s.dependencies)}
        batches.append(batch)
        for name in batch:
            del left[name]

    class Actions:
        def __init__(self, stack):
            self.stack = stack

        def launch(self):
            return action(self.stack)

    monkeypatch.setattr(sceptre_executor, "StackActions", Actions)
    launch_order = [{stacks[n] for n in batch} for batch in batches]
    sceptre_executor.SceptrePlanExecutor("launch", launch_order, None).execute()


# a, b, c: a chain; slow: in a's Sceptre batch, unrelated to it; d needs c and slow.
CHAIN = {"a": [], "slow": [], "b": ["a"], "c": ["b"], "d": ["c", "slow"]}
CHAIN_SECONDS = {"a": 0.02, "b": 0.02, "c": 0.02, "slow": 0.2, "d": 0.01}
# slow runs until c has finished (0.2 s at most): following dependencies, that is soon after
# the chain; batch after batch, b and c cannot start before slow ends, so it runs its 0.2 s.
SLOW_UNTIL = {"slow": "c"}


def test_a_stack_never_starts_before_its_dependencies_finished():
    stacks = graph(
        {"iam": [], "kms": ["iam"], "network": ["kms"], "registry": ["kms"],
         "storage": ["kms", "network"], "compute": ["network", "registry"],
         "peering": ["compute", "storage"]}
    )  # fmt: skip
    seconds = {"iam": 0.01, "kms": 0.05, "network": 0.1, "registry": 0.01, "storage": 0.02,
               "compute": 0.03, "peering": 0.01}  # fmt: skip
    record = Recorder(seconds)
    schedule = follow(stacks, record)
    assert schedule.succeeded and len(schedule.runs) == len(stacks)
    for stack in stacks.values():
        for dependency in stack.dependencies:
            assert record.at("finish", dependency.name) < record.at("start", stack.name), (
                stack.name,
                dependency.name,
                record.events,
            )
    runs = {run.name: run for run in schedule.runs}
    for stack in stacks.values():
        assert all(runs[d.name].finished <= runs[stack.name].started for d in stack.dependencies)


def chain_finishes_before_slow(record: Recorder) -> bool:
    """The chain a > b > c finished while the unrelated slow stack still ran."""
    return record.at("finish", "c") < record.at("finish", "slow")


def test_a_ready_stack_does_not_wait_for_an_unrelated_slow_stack_of_its_batch():
    record = Recorder(CHAIN_SECONDS, until=SLOW_UNTIL)
    schedule = follow(graph(CHAIN), record)
    assert schedule.succeeded
    # b and c start while slow (a's batch-mate in Sceptre's launch order) is still running
    assert record.at("start", "b") < record.at("finish", "slow"), record.events
    assert chain_finishes_before_slow(record), record.events
    # d, which needs both, starts right after the later of them: the run is its longest
    # chain (a > b > c beside slow, then d), not the sum of the batches' slowest stacks
    # (slow, then b, then c, then d, as below)
    assert sorted(record.events[:2]) == [("start", "a"), ("start", "slow")]
    assert record.events[2:] == [
        ("finish", "a"),
        ("start", "b"),
        ("finish", "b"),
        ("start", "c"),
        ("finish", "c"),
        ("finish", "slow"),
        ("start", "d"),
        ("finish", "d"),
    ]
    runs = {run.name: run for run in schedule.runs}
    assert runs["b"].started < runs["slow"].finished
    assert runs["c"].finished <= runs["slow"].finished <= runs["d"].started


def test_sceptres_batch_executor_fails_the_same_check(monkeypatch):
    # The check above can fail: Sceptre 4.7's executor starts b only after slow.
    record = Recorder(CHAIN_SECONDS, until=SLOW_UNTIL)
    sceptre_batches(graph(CHAIN), record, monkeypatch)
    assert record.at("finish", "slow") < record.at("start", "b"), record.events
    assert not chain_finishes_before_slow(record)
    assert [e for e in record.events[2:] if e[0] == "start"] == [
        ("start", "b"),
        ("start", "c"),
        ("start", "d"),
    ]


def test_a_failure_starts_nothing_new_and_names_the_never_started():
    stacks = graph({"a": [], "f": [], "after_a": ["a"], "after_f": ["f"], "late": ["after_a"]})
    record = Recorder(
        {"a": 0.1, "f": 0.01, "after_a": 0.01, "after_f": 0.01, "late": 0.01},
        {"f": StackStatus.FAILED},
    )
    schedule = follow(stacks, record)
    assert not schedule.succeeded
    assert schedule.failed == ("f",)
    # a was running when f failed: it finishes; nothing starts after the failure
    assert {r.name: r.status for r in schedule.runs} == {"a": "complete", "f": "failed"}
    assert schedule.never_started == ("after_a", "after_f", "late")
    assert [e for e in record.events if e[0] == "start"] == [("start", "a"), ("start", "f")]
    table = dependency_launch.summary(schedule)
    assert "FAILED: f" in table
    assert "never started: after_a, after_f, late" in table


def test_an_exception_or_in_progress_status_is_a_failure_with_its_message():
    stacks = graph({"boom": [], "busy": [], "next": ["boom"]})
    record = Recorder(
        {"boom": 0.01, "busy": 0.01, "next": 0.01},
        {"boom": RuntimeError("template invalid"), "busy": StackStatus.IN_PROGRESS},
    )
    schedule = follow(stacks, record)
    assert set(schedule.failed) == {"boom", "busy"}
    assert schedule.never_started == ("next",)
    runs = {r.name: r for r in schedule.runs}
    assert runs["boom"].error == "RuntimeError: template invalid"
    assert "boom: RuntimeError: template invalid" in dependency_launch.summary(schedule)


def test_max_concurrency_one_runs_one_stack_at_a_time():
    stacks = graph({"a": [], "b": [], "c": [], "d": ["a"]})
    record = Recorder(dict.fromkeys(stacks, 0.02))
    schedule = follow(stacks, record, max_concurrency=1)
    assert schedule.succeeded
    kinds = [kind for kind, _ in record.events]
    assert kinds == ["start", "finish"] * len(stacks), record.events
    assert (
        dependency_launch.parser().parse_args(["--max-concurrency", "1", "x"]).max_concurrency == 1
    )


def test_max_concurrency_two_never_runs_three():
    stacks = graph({name: [] for name in "abcde"})
    record = Recorder(dict.fromkeys(stacks, 0.02))
    follow(stacks, record, max_concurrency=2)
    running = peak = 0
    for kind, _ in record.events:
        running += 1 if kind == "start" else -1
        peak = max(peak, running)
    assert peak == 2


def test_a_cycle_is_refused_before_anything_starts():
    stacks = graph({"a": ["b"], "b": ["a"], "c": []})
    record = Recorder(dict.fromkeys(stacks, 0.0))
    with pytest.raises(ValueError, match="cycle among: a, b"):
        follow(stacks, record)
    assert record.events == []


def test_the_launcher_prints_each_start_and_finish_then_a_table():
    stacks = graph({"dev/iam": [], "dev/kms": ["dev/iam"], "dev/skip": []})
    lines: list[str] = []
    record = Recorder({"dev/iam": 0.01, "dev/kms": 0.01, "dev/skip": 0.0})
    schedule = dependency_launch.launch(
        [stacks["dev/iam"], stacks["dev/kms"]], action=record, show=lines.append
    )
    assert [line.split("] ", 1)[1].split(" (")[0] for line in lines] == [
        "start  dev/iam",
        "complete  dev/iam",
        "start  dev/kms",
        "complete  dev/kms",
    ]
    table = dependency_launch.summary(schedule)
    assert table.splitlines()[0].split() == ["stack", "status", "start", "s", "seconds"]
    assert "2 stacks launched" in table


@pytest.mark.parametrize(("failing", "code"), [(None, 0), ("dev/kms", 1)])
def test_the_command_exits_non_zero_on_a_failed_stack(failing, code, monkeypatch, capsys):
    stacks = graph({"dev/iam": [], "dev/kms": ["dev/iam"], "dev/network": ["dev/kms"]})
    monkeypatch.setattr(
        dependency_launch, "launch_plan", lambda *_: ([*stacks.values()], ["dev/old"])
    )
    statuses = {failing: StackStatus.FAILED} if failing else {}
    monkeypatch.setattr(
        dependency_launch, "launch_stack", Recorder(dict.fromkeys(stacks, 0.0), statuses)
    )
    monkeypatch.setattr(dependency_launch, "setup_logging", lambda **_: None)
    assert dependency_launch.main(["-y", "dev"]) == code
    out = capsys.readouterr().out
    assert "skipped (ignore/obsolete, neither created nor updated): dev/old" in out
    if failing:
        assert "FAILED: dev/kms" in out and "never started: dev/network" in out, out
    else:
        assert "3 stacks launched" in out, out


def test_the_plan_is_sceptres_own_for_the_path():
    stacks, skipped = dependency_launch.launch_plan(str(PROJECT_DIR), "dev/us-east-1", {})
    names = {s.name for s in stacks}
    assert skipped == []
    assert "dev/us-east-1/iam" in names and "dev/us-east-1/peering-accepter" in names
    assert all(name.startswith("dev/us-east-1/") for name in names)
    assert {d.name for s in stacks for d in s.dependencies} <= names


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--var", "bootstrap", "-y", "dev/us-east-1"], "--var 'bootstrap' is not KEY=VALUE"),
        (["--var", "=true", "-y", "dev/us-east-1"], "--var '=true' is not KEY=VALUE"),
        (["-y", "dev/nowhere"], "config path 'dev/nowhere'"),
        (["-y", "dev/us-east-1/nothing.yaml"], "config path 'dev/us-east-1/nothing.yaml'"),
    ],
)
def test_a_bad_var_or_path_is_one_clear_line(arguments, message, monkeypatch, capsys):
    monkeypatch.chdir(PROJECT_DIR)
    launched = []
    monkeypatch.setattr(dependency_launch, "launch_stack", launched.append)
    assert dependency_launch.main(arguments) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("tapstack-launch: error: "), err
    assert message in err
    assert launched == [] and out == ""


def test_vars_nest_on_dots_as_sceptres_do():
    assert dependency_launch.parse_vars(["bootstrap=true", "a.b=1", "a.c=x=y"]) == {
        "bootstrap": "true",
        "a": {"b": "1", "c": "x=y"},
    }
