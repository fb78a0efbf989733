"""Rollback triggers evaluated: an alarm in ALARM during a create/update or its monitoring window
rolls the operation back, as CloudFormation does.

The operation's RollbackConfiguration is the one its CreateStack/UpdateStack call passed
(checked by rollback_configuration.py), or for an update without one the stack's own. Once the
resources are deployed, each trigger alarm is evaluated from its metric data
(alarm_evaluation.py); one in ALARM, or one that no longer exists, rolls the operation back
(create: ROLLBACK_COMPLETE; update: UPDATE_ROLLBACK_COMPLETE, previous template and
parameters). Otherwise the stack stays *_IN_PROGRESS for MonitoringTimeInMinutes while a
background thread evaluates the triggers every TICK_SECONDS, then completes (an update's
cleanup runs then, as in AWS).

How long a monitoring minute lasts here is TAPSTACK_EMULATOR_MONITORING_MINUTE_SECONDS
(default 0: the triggers are checked once, when the resources are deployed, and the operation
completes at once, so local launches do not wait ten minutes per guarded stack; a test that
needs a real window sets e.g. 1, one second per minute).
"""

import contextvars
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.cloudformation.models import Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudwatch.models import cloudwatch_backends

from tapstack_emulator import alarm_evaluation, runtime
from tapstack_emulator.behaviours import rollback_configuration

MINUTE_VARIABLE = "TAPSTACK_EMULATOR_MONITORING_MINUTE_SECONDS"
TICK_SECONDS = 0.25
logger = logging.getLogger(__name__)
_requested: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "requested_rollback_configuration", default=None
)


def minute_seconds() -> float:
    """How many seconds one monitoring minute lasts in this local AWS."""
    return float(os.environ.get(MINUTE_VARIABLE) or 0)


def configuration(stack: Stack) -> dict[str, Any]:
    """The operation's rollback configuration: the call's, else the stack's, else none."""
    return (
        _requested.get()
        or getattr(stack, "rollback_configuration", None)
        or {"RollbackTriggers": [], "MonitoringTimeInMinutes": 0}
    )


def breached(stack: Stack, triggers: list[dict[str, str]]) -> str | None:
    """Why the operation must roll back now (a trigger in ALARM or gone), or None."""
    backend = cloudwatch_backends[stack.account_id][stack.region_name]
    by_arn = {alarm.alarm_arn: alarm for alarm in backend.alarms.values()}
    in_alarm, missing = [], []
    for trigger in triggers:
        alarm = by_arn.get(trigger["Arn"])
        if alarm is None:
            missing.append(trigger["Arn"])
        elif alarm_evaluation.refresh(backend, alarm) == "ALARM":
            in_alarm.append(trigger["Arn"])
    if missing:
        return f"Rollback trigger(s) no longer exist: {', '.join(missing)}"
    if in_alarm:
        return f"Rollback trigger(s) in ALARM state: {', '.join(in_alarm)}"
    return None


def finish(stack: Stack, complete: Callable[[], None], roll_back: Callable[[str], None]) -> None:
    """After the resources are deployed: roll back, complete, or monitor and then decide."""
    config = configuration(stack)
    triggers = config.get("RollbackTriggers") or []
    reason = breached(stack, triggers)
    if reason is not None:
        roll_back(reason)
        return
    window = int(config.get("MonitoringTimeInMinutes") or 0) * minute_seconds()
    if window <= 0:
        complete()
        return
    logger.info("monitoring %s for %.1f s (%s)", stack.name, window, triggers)
    thread = threading.Thread(
        target=_monitor,
        args=(stack, triggers, time.monotonic() + window, stack.status, complete, roll_back),
        name=f"rollback-monitor-{stack.name}",
        daemon=True,
    )
    thread.start()


def _monitor(
    stack: Stack,
    triggers: list[dict[str, str]],
    deadline: float,
    status: str,
    complete: Callable[[], None],
    roll_back: Callable[[str], None],
) -> None:
    """The monitoring window: check every tick, under the lock every request holds."""
    while True:
        time.sleep(TICK_SECONDS)
        with runtime.backends_lock():
            if stack.status != status:  # deleted or otherwise moved on
                return
            reason = breached(stack, triggers)
            if reason is not None:
                roll_back(reason)
                return
            if time.monotonic() >= deadline:
                complete()
                return


def _with_requested(operation: Any) -> Any:
    def call(self: CloudFormationResponse) -> Any:
        token = _requested.set(rollback_configuration.checked(self))
        try:
            return operation(self)
        finally:
            _requested.reset(token)

    return call


def apply() -> None:
    """Make the call's RollbackConfiguration visible to the stack operation it starts."""
    CloudFormationResponse.create_stack = _with_requested(CloudFormationResponse.create_stack)
    CloudFormationResponse.update_stack = _with_requested(CloudFormationResponse.update_stack)
