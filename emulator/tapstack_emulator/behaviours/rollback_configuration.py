"""RollbackConfiguration on CreateStack/UpdateStack is checked, stored and described, as in AWS.

moto accepts the parameter and drops it: DescribeStacks never shows it. Here each trigger must
be an `AWS::CloudWatch::Alarm` that exists in the stack's account and region (AWS fails the
operation for a missing trigger; this fails the call, before anything is created), at most
five triggers, MonitoringTimeInMinutes 0-180. DescribeStacks shows `RollbackConfiguration` on
every stack, `{}` for one created without it, as AWS does. An update without the parameter
keeps the stack's configuration; an empty trigger list removes the triggers; an update that
fails and rolls back keeps the configuration it had. Triggers are not evaluated: no alarm state
rolls an operation back here (docs/emulator.md).
"""

from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudwatch.models import cloudwatch_backends

MAX_TRIGGERS = 5
MAX_MONITORING_MINUTES = 180
ALARM_TYPE = "AWS::CloudWatch::Alarm"


def checked(response: CloudFormationResponse) -> dict[str, Any] | None:
    """The request's RollbackConfiguration after AWS's checks, or None when not given."""
    configuration = response._get_param("RollbackConfiguration")
    if configuration is None:
        return None
    triggers = configuration.get("RollbackTriggers") or []
    minutes = int(configuration.get("MonitoringTimeInMinutes") or 0)
    if len(triggers) > MAX_TRIGGERS:
        raise ValidationError(
            message=f"Rollback configuration can have at most {MAX_TRIGGERS} triggers; "
            f"{len(triggers)} given"
        )
    if not 0 <= minutes <= MAX_MONITORING_MINUTES:
        raise ValidationError(
            message=f"MonitoringTimeInMinutes must be 0 to {MAX_MONITORING_MINUTES}; {minutes} "
            "given"
        )
    alarms = cloudwatch_backends[response.current_account][response.region].alarms
    known = {alarm.alarm_arn for alarm in alarms.values()}
    for trigger in triggers:
        if trigger.get("Type") != ALARM_TYPE:
            raise ValidationError(
                message=f"Rollback trigger {trigger.get('Arn')} has type {trigger.get('Type')!r}; "
                f"only {ALARM_TYPE} is supported"
            )
        if trigger.get("Arn") not in known:
            raise ValidationError(
                message=f"Rollback trigger {trigger.get('Arn')} does not exist: no such alarm in "
                f"account {response.current_account}, region {response.region}"
            )
    return {
        "RollbackTriggers": [{"Arn": t["Arn"], "Type": t["Type"]} for t in triggers],
        "MonitoringTimeInMinutes": minutes,
    }


def _storing(operation: Any) -> Any:
    def call(self: CloudFormationResponse) -> Any:
        configuration = checked(self)
        name = self._get_param("StackName")
        before = _stack(self, name)
        kept = getattr(before, "rollback_configuration", {}) if before is not None else {}
        result = operation(self)
        stack = _stack(self, name)
        if stack is None:
            return result  # OnFailure=DELETE took it away
        if configuration is not None and stack.status != "UPDATE_ROLLBACK_COMPLETE":
            stack.rollback_configuration = configuration
        else:
            stack.rollback_configuration = kept
        return result

    return call


def _stack(response: CloudFormationResponse, name: str) -> Any:
    backend = response.cloudformation_backend
    return next((s for s in backend.stacks.values() if name in (s.stack_id, s.name)), None)


def apply() -> None:
    """Wrap CreateStack and UpdateStack (after the other behaviours have replaced them)."""
    CloudFormationResponse.create_stack = _storing(CloudFormationResponse.create_stack)
    CloudFormationResponse.update_stack = _storing(CloudFormationResponse.update_stack)
