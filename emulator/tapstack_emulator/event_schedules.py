"""EventBridge scheduled rules fire: a rule with a rate expression delivers to its targets.

moto stores scheduled rules but never runs them. Here a background thread (started with the
server, stopped with it) fires every ENABLED rule with `rate(N minute(s)|hour(s)|day(s))` on
any event bus of any account and region: the first time one period after the thread first sees
the rule enabled, then every period. A target that is a Step Functions state machine starts an
execution (moto's interpreter runs it, behaviours/state_machine_execution.py) with the target's
`Input`, or else the scheduled event itself, as EventBridge sends it; the target must name a
RoleArn, as EventBridge requires for Step Functions. Other target types, cron expressions,
InputPath and InputTransformer are not delivered (logged).

How long one minute of a schedule lasts is TAPSTACK_EMULATOR_SCHEDULE_MINUTE_SECONDS
(default 60, real time).
"""

import json
import logging
import os
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from moto.events.models import Rule, events_backends
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from tapstack_emulator import runtime

MINUTE_VARIABLE = "TAPSTACK_EMULATOR_SCHEDULE_MINUTE_SECONDS"
RATE = re.compile(r"^rate\((?P<count>[1-9]\d*) (?P<unit>minutes?|hours?|days?)\)$")
MINUTES = {"minute": 1, "hour": 60, "day": 24 * 60}
TICK_SECONDS = 0.5
STATES_TARGET = re.compile(
    r"^arn:aws[a-z-]*:states:(?P<region>[^:]+):(?P<account>\d{12}):stateMachine:"
)
logger = logging.getLogger(__name__)


def minute_seconds() -> float:
    """How many seconds one minute of a schedule lasts in this local AWS."""
    return float(os.environ.get(MINUTE_VARIABLE) or 60)


def period_seconds(expression: str | None) -> float | None:
    """The period of a rate expression in (local) seconds; None for anything else."""
    match = RATE.match(expression or "")
    if match is None:
        return None
    count, unit = int(match["count"]), match["unit"].rstrip("s")
    if (count == 1) != (not match["unit"].endswith("s")):
        return None  # EventBridge: "rate(1 minute)", "rate(5 minutes)"
    return count * MINUTES[unit] * minute_seconds()


def scheduled_event(rule: Rule) -> dict[str, Any]:
    """The event EventBridge sends for one firing of a scheduled rule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule.account_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": rule.region_name,
        "resources": [rule.arn],
        "detail": {},
    }


def deliver(rule: Rule) -> list[str]:
    """Send one firing of `rule` to its targets; the execution ARNs started."""
    started = []
    for target in rule.targets:
        match = STATES_TARGET.match(target.get("Arn", ""))
        if match is None or not target.get("RoleArn") or target.get("InputPath"):
            logger.warning("rule %s: target %s is not delivered locally", rule.arn, target)
            continue
        payload = target.get("Input") or json.dumps(scheduled_event(rule))
        backend = stepfunctions_parser_backends[match["account"]][match["region"]]
        try:
            execution = backend.start_execution(
                target["Arn"], name=str(uuid.uuid4()), execution_input=payload
            )
        except Exception as err:  # EventBridge counts a FailedInvocation and goes on
            logger.warning("rule %s: starting %s failed: %s", rule.arn, target["Arn"], err)
            continue
        started.append(execution.execution_arn)
    return started


class Scheduler:
    """Fires due scheduled rules every tick, under the lock every request holds."""

    def __init__(self) -> None:
        self._due: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-schedules", daemon=True)

    def start(self) -> None:
        """Start firing; `stop()` ends it."""
        self._thread.start()

    def stop(self) -> None:
        """Stop firing (waits for a tick in progress)."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            with runtime.backends_lock():
                self.tick(time.monotonic())

    def tick(self, now: float) -> None:
        """Fire every rule that is due at `now`; note new rules, forget removed ones."""
        seen = set()
        for account_id in list(events_backends.keys()):
            for backend in list(events_backends[account_id].values()):
                for bus in list(backend.event_buses.values()):
                    for rule in list(bus.rules.values()):
                        period = period_seconds(rule.scheduled_expression)
                        if period is None or rule.state != "ENABLED":
                            continue
                        seen.add(rule.arn)
                        due = self._due.setdefault(rule.arn, now + period)
                        if now >= due:
                            self._due[rule.arn] = now + period
                            deliver(rule)
        for arn in set(self._due) - seen:
            del self._due[arn]


def start() -> None:
    """Run the scheduler until the emulator shuts down."""
    scheduler = Scheduler()
    scheduler.start()
    runtime.on_shutdown("event schedules", scheduler.stop)
