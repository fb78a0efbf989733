"""The pieces of `!rollback_triggers` that need no Sceptre: the alarm ARNs, the wrapped
`get_boto_call_parameter`, and what DescribeStacks has to show afterwards."""

import re
from typing import Any

from sceptre.exceptions import SceptreException

ALARM_ARN = re.compile(r"^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:(?P<name>.+)$")
ALARM_TYPE = "AWS::CloudWatch::Alarm"
MAX_TRIGGERS = 5  # CloudFormation's limit


class RollbackTriggerError(SceptreException):
    """The triggers cannot be set: a missing alarm, a misplaced hook, or a stack without them."""


class WithRollbackConfiguration:
    """`get_boto_call_parameter` of one stack's template, plus RollbackConfiguration.

    It counts its calls (Sceptre makes exactly one for CreateStack/UpdateStack) and keeps the
    stack's LastUpdatedTime from before an update, so the after-hook can tell whether the call
    happened and whether CloudFormation performed the update.
    """

    def __init__(
        self, original: Any, configuration: dict[str, Any], updated_before: Any = None
    ) -> None:
        self.original = original
        self.configuration = configuration
        self.updated_before = updated_before
        self.calls = 0

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        return {**self.original(), "RollbackConfiguration": self.configuration}


def alarm_arns(value: object, stack_name: str, usage: str) -> list[str]:
    """The resolved `alarms` value (a list, a comma-separated string, or a list of those) as a
    list of well-formed alarm ARNs."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise RollbackTriggerError(
            f"{stack_name}: !rollback_triggers: `alarms` resolved to {value!r}; it takes {usage}"
        )
    arns = [arn.strip() for item in items for arn in item.split(",") if arn.strip()]
    if not arns:
        raise RollbackTriggerError(
            f"{stack_name}: !rollback_triggers: `alarms` resolved to no alarm ARN ({value!r})"
        )
    malformed = [arn for arn in arns if not ALARM_ARN.match(arn)]
    if malformed:
        raise RollbackTriggerError(
            f"{stack_name}: !rollback_triggers: `alarms` holds what are not CloudWatch alarm "
            f"ARNs: {malformed}"
        )
    if len(arns) > MAX_TRIGGERS:
        raise RollbackTriggerError(
            f"{stack_name}: !rollback_triggers: `alarms` gives {len(arns)} alarms; "
            f"CloudFormation takes at most {MAX_TRIGGERS}"
        )
    return arns


def configuration(arns: list[str], minutes: int) -> dict[str, Any]:
    """The RollbackConfiguration of CreateStack/UpdateStack."""
    return {
        "RollbackTriggers": [{"Arn": arn, "Type": ALARM_TYPE} for arn in arns],
        "MonitoringTimeInMinutes": minutes,
    }


def summary(described: dict[str, Any] | None) -> tuple[list[str], int]:
    """(sorted trigger ARNs, monitoring minutes) of a RollbackConfiguration."""
    described = described or {}
    arns = sorted(t["Arn"] for t in described.get("RollbackTriggers") or [])
    return arns, int(described.get("MonitoringTimeInMinutes") or 0)


def shown(arns: list[str], minutes: int) -> str:
    """`[arn, ...] (monitoring N min)`."""
    return f"{arns} (monitoring {minutes} min)"
