"""`!rollback_triggers`: CloudWatch alarms as rollback triggers of the stack's own
CreateStack/UpdateStack call, verified afterwards with DescribeStacks.

    hooks:
      before_create:
        - &triggers !rollback_triggers {alarms: !stack_output ..., monitoring_minutes: 10}
      after_create: [*triggers]
      before_update: [*triggers]
      after_update: [*triggers]

Sceptre 4.7 builds the CreateStack/UpdateStack arguments itself and has no setting for
`RollbackConfiguration`. Under before_create/before_update the hook checks that every alarm
exists, then wraps this stack's `template.get_boto_call_parameter` (the call Sceptre makes to
put the template into those very arguments) so that it also returns `RollbackConfiguration`.
Under after_create/after_update it removes the wrap and verifies with DescribeStacks that the
stack carries exactly those triggers. Why this mechanism: hooks/README.md.
"""

import re
from typing import Annotated, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sceptre.exceptions import InvalidHookArgumentSyntaxError, SceptreException
from sceptre.hooks import Hook
from sceptre.resolvers import Resolver

ALARM_ARN = re.compile(r"^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:(?P<name>.+)$")
ALARM_TYPE = "AWS::CloudWatch::Alarm"
MAX_TRIGGERS = 5  # CloudFormation's limit
INJECTING_POINTS = ("before_create", "before_update")
VERIFYING_POINTS = ("after_create", "after_update")
USAGE = (
    "!rollback_triggers takes {alarms: ALARM_ARNS, monitoring_minutes: 0-180 (default 10)} "
    "where ALARM_ARNS is a list of alarm ARNs, a comma-separated string of them, or a "
    "resolver giving either (e.g. !stack_output monitoring.yaml::DatabaseAlarmArns)"
)


class RollbackTriggerError(SceptreException):
    """The triggers cannot be set: a missing alarm, a misplaced hook, or a stack without them."""


class RollbackTriggersArguments(BaseModel):
    """The hook's argument."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    alarms: list[str] | str | Resolver
    monitoring_minutes: Annotated[int, Field(ge=0, le=180)] = 10


class _WithRollbackConfiguration:
    """`get_boto_call_parameter` of one stack's template, plus RollbackConfiguration."""

    def __init__(self, original: Any, configuration: dict[str, Any]) -> None:
        self.original = original
        self.configuration = configuration

    def __call__(self) -> dict[str, Any]:
        return {**self.original(), "RollbackConfiguration": self.configuration}


def alarm_arns(value: object, stack_name: str) -> list[str]:
    """The resolved `alarms` value as a list of well-formed alarm ARNs."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise RollbackTriggerError(f"{stack_name}: {USAGE}. `alarms` resolved to {value!r}.")
    arns = [item.strip() for item in items if item.strip()]
    if not arns:
        raise RollbackTriggerError(f"{stack_name}: `alarms` resolved to no alarm ARN ({value!r})")
    malformed = [arn for arn in arns if not ALARM_ARN.match(arn)]
    if malformed:
        raise RollbackTriggerError(f"{stack_name}: not CloudWatch alarm ARNs: {malformed}")
    if len(arns) > MAX_TRIGGERS:
        raise RollbackTriggerError(
            f"{stack_name}: {len(arns)} alarms given; CloudFormation takes at most {MAX_TRIGGERS}"
        )
    return arns


class RollbackTriggers(Hook):
    """Add the alarms to the stack's RollbackConfiguration; verify they are set."""

    def setup(self) -> None:
        """Check the argument's shape (resolvers in it are resolved in `run`)."""
        argument = self._argument
        if not isinstance(argument, dict):
            argument = {"alarms": argument}
        try:
            self._arguments = RollbackTriggersArguments.model_validate(argument)
        except ValidationError as err:
            raise InvalidHookArgumentSyntaxError(
                f"{self.stack.name}: {USAGE}. You gave {self._argument!r}."
            ) from err

    def run(self) -> None:
        """Inject under before_create/update; restore and verify under after_create/update."""
        point = self._hook_point()
        if point in INJECTING_POINTS:
            self._inject()
        elif point in VERIFYING_POINTS:
            self._restore_and_verify()
        else:
            raise RollbackTriggerError(
                f"{self.stack.name}: !rollback_triggers runs under "
                f"{', '.join(INJECTING_POINTS + VERIFYING_POINTS)}; it is under {point}"
            )

    def _hook_point(self) -> str | None:
        for point, hooks in (self.stack.hooks or {}).items():
            if isinstance(hooks, list) and any(hook is self for hook in hooks):
                return point
        return None

    def _configuration(self) -> dict[str, Any]:
        argument = self.argument
        alarms = argument["alarms"] if isinstance(argument, dict) else argument
        arns = alarm_arns(alarms, self.stack.name)
        self._check_alarms_exist(arns)
        return {
            "RollbackTriggers": [{"Arn": arn, "Type": ALARM_TYPE} for arn in arns],
            "MonitoringTimeInMinutes": self._arguments.monitoring_minutes,
        }

    def _check_alarms_exist(self, arns: list[str]) -> None:
        names = sorted({ALARM_ARN.match(arn)["name"] for arn in arns})
        try:
            response = self.stack.connection_manager.call(
                "cloudwatch",
                "describe_alarms",
                {"AlarmNames": names, "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]},
            )
        except ClientError as err:
            raise RollbackTriggerError(
                f"{self.stack.name}: cannot read the trigger alarms: {err}"
            ) from err
        found = {
            alarm["AlarmArn"]
            for kind in ("MetricAlarms", "CompositeAlarms")
            for alarm in response.get(kind, [])
        }
        missing = [arn for arn in arns if arn not in found]
        if missing:
            raise RollbackTriggerError(
                f"{self.stack.name}: rollback trigger alarm(s) do not exist in "
                f"{self.stack.region}: {missing}. Launch the monitoring stack first, or fix "
                "the alarms argument."
            )

    def _inject(self) -> None:
        configuration = self._configuration()
        template = self.stack.template
        original = template.get_boto_call_parameter
        if isinstance(original, _WithRollbackConfiguration):  # a run that failed mid-way
            original = original.original
        template.get_boto_call_parameter = _WithRollbackConfiguration(original, configuration)
        self.logger.info(
            "%s - rollback triggers for this call: %s (monitoring %d min)",
            self.stack.name,
            ", ".join(t["Arn"] for t in configuration["RollbackTriggers"]),
            configuration["MonitoringTimeInMinutes"],
        )

    def _restore_and_verify(self) -> None:
        template = self.stack.template
        wrapped = vars(template).pop("get_boto_call_parameter", None)
        if not isinstance(wrapped, _WithRollbackConfiguration):
            raise RollbackTriggerError(
                f"{self.stack.name}: !rollback_triggers under after_create/after_update needs "
                "the same hook under before_create/before_update"
            )
        self._verify(wrapped.configuration)

    def _verify(self, expected: dict[str, Any]) -> None:
        response = self.stack.connection_manager.call(
            "cloudformation", "describe_stacks", {"StackName": self.stack.external_name}
        )
        actual = response["Stacks"][0].get("RollbackConfiguration") or {}
        wanted = sorted(t["Arn"] for t in expected["RollbackTriggers"])
        have = sorted(t["Arn"] for t in actual.get("RollbackTriggers", []))
        minutes = actual.get("MonitoringTimeInMinutes", 0)
        if have != wanted or minutes != expected["MonitoringTimeInMinutes"]:
            raise RollbackTriggerError(
                f"{self.stack.name}: DescribeStacks shows rollback triggers {have} "
                f"(monitoring {minutes} min), expected {wanted} "
                f"(monitoring {expected['MonitoringTimeInMinutes']} min). An update that "
                "changes nothing else is not performed, so a changed trigger list is applied "
                "with the stack's next real change."
            )
        self.logger.info("%s - rollback triggers verified: %s", self.stack.name, have)
