"""`!rollback_triggers`: CloudWatch alarms as rollback triggers of the stack's own
CreateStack/UpdateStack call, verified afterwards with DescribeStacks.

    hooks:
      before_create:
        - &triggers !rollback_triggers {alarms: !stack_output ..., monitoring_minutes: 10}
      after_create: [*triggers]
      before_update: [*triggers]
      after_update: [*triggers]

Sceptre builds the CreateStack/UpdateStack arguments itself and has no setting for
`RollbackConfiguration`. Under before_create/before_update the hook checks that every alarm
exists, then wraps this stack's `template.get_boto_call_parameter` (the call Sceptre makes to
put the template into those very arguments) so that it also returns `RollbackConfiguration`.
Under after_create/after_update it removes the wrap and verifies with DescribeStacks that the
stack carries exactly those triggers. Why this mechanism: hooks/README.md.
"""

from typing import Annotated, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field
from sceptre.hooks import Hook
from sceptre.resolvers import Resolver

from tapstack_hooks.arguments import parse
from tapstack_hooks.hook_points import check_placement
from tapstack_hooks.rollback_configuration import (
    ALARM_ARN,
    RollbackTriggerError,
    WithRollbackConfiguration,
    alarm_arns,
    configuration,
    shown,
    summary,
)

TAG = "rollback_triggers"
PAIRS = {"before_create": "after_create", "before_update": "after_update"}
POINTS = (*PAIRS, *PAIRS.values())
ALARMS = "alarm ARNs: a list, a comma-separated string, or a resolver giving either"
USAGE = (
    f"{{alarms: ALARMS, monitoring_minutes: 0-180 (default 10)}}, or ALARMS alone, where ALARMS "
    f"are {ALARMS} (e.g. !stack_output monitoring.yaml::DatabaseAlarmArns)"
)


class RollbackTriggersArguments(BaseModel):
    """The hook's argument."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    alarms: list[str | Resolver] | str | Resolver = Field(description=ALARMS)
    monitoring_minutes: Annotated[int, Field(ge=0, le=180)] = Field(
        10, description="a whole number of minutes, 0-180"
    )


class RollbackTriggers(Hook):
    """Add the alarms to the stack's RollbackConfiguration; verify they are set."""

    def setup(self) -> None:
        """Check the argument's shape (resolvers in it are resolved in `run`) and, when Sceptre
        builds its plan, the hook point and its partner (before_X needs after_X and back)."""
        point = check_placement(self, TAG, POINTS, running=False)
        argument = self._argument
        self._arguments = parse(
            self,
            TAG,
            RollbackTriggersArguments,
            argument if isinstance(argument, dict) else {"alarms": argument},
            USAGE,
        )
        if point is not None:
            self._check_partner(point)

    def run(self) -> None:
        """Inject under before_create/update; restore and verify under after_create/update."""
        point = check_placement(self, TAG, POINTS, running=True)
        if point in PAIRS:
            self._inject(point)
        else:
            self._restore_and_verify(point)

    def _check_partner(self, point: str) -> None:
        before = point if point in PAIRS else next(b for b, a in PAIRS.items() if a == point)
        partner = PAIRS.get(point, before)
        after = PAIRS[before]
        hooks = (self.stack.config or {}).get("hooks") or {}
        listed = hooks.get(partner)
        if not isinstance(listed, list) or not any(isinstance(h, RollbackTriggers) for h in listed):
            raise RollbackTriggerError(
                f"{self.stack.name}: !{TAG} under `{point}` needs itself under `{partner}` too "
                "(the before-hook adds the triggers to the call, the after-hook verifies and "
                "removes them); a YAML anchor writes it once:\n"
                f"  {before}:\n    - &triggers !{TAG} {{alarms: ...}}\n  {after}: [*triggers]"
            )

    def _inject(self, point: str) -> None:
        argument = self.argument
        arns = alarm_arns(
            argument["alarms"] if isinstance(argument, dict) else argument, self.stack.name, ALARMS
        )
        self._check_alarms_exist(arns)
        wanted = configuration(arns, self._arguments.monitoring_minutes)
        updated_before = (
            self._describe().get("LastUpdatedTime") if point == "before_update" else None
        )
        template = self.stack.template
        original = template.get_boto_call_parameter
        if isinstance(original, WithRollbackConfiguration):  # a run that failed mid-way
            original = original.original
        template.get_boto_call_parameter = WithRollbackConfiguration(
            original, wanted, updated_before
        )
        self.logger.info(
            "rollback triggers for this call: %s (monitoring %d min)",
            ", ".join(arns),
            wanted["MonitoringTimeInMinutes"],
        )

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
                f"{self.stack.name}: !{TAG}: cannot read the trigger alarms: {err}"
            ) from err
        found = {
            alarm["AlarmArn"]
            for kind in ("MetricAlarms", "CompositeAlarms")
            for alarm in response.get(kind, [])
        }
        missing = [arn for arn in arns if arn not in found]
        if missing:
            raise RollbackTriggerError(
                f"{self.stack.name}: !{TAG}: rollback trigger alarm(s) do not exist in "
                f"{self.stack.region}: {missing}. Launch the monitoring stack first, or fix "
                "the alarms argument."
            )

    def _describe(self) -> dict[str, Any]:
        response = self.stack.connection_manager.call(
            "cloudformation", "describe_stacks", {"StackName": self.stack.external_name}
        )
        return response["Stacks"][0]

    def _restore_and_verify(self, point: str) -> None:
        operation = "CreateStack" if point == "after_create" else "UpdateStack"
        wrapped = vars(self.stack.template).pop("get_boto_call_parameter", None)
        if not isinstance(wrapped, WithRollbackConfiguration):
            raise RollbackTriggerError(
                f"{self.stack.name}: !{TAG} under {point} found no triggers to verify: the hook "
                f"under {'before_' + point.removeprefix('after_')} did not run"
            )
        if wrapped.calls != 1:
            raise RollbackTriggerError(
                f"{self.stack.name}: !{TAG}: Sceptre asked the template for its {operation} "
                f"arguments {wrapped.calls} times (1 expected): this Sceptre version does not "
                "build the call the way the hook relies on (hooks/README.md), so the triggers "
                "were not reliably sent"
            )
        wanted = summary(wrapped.configuration)
        stack = self._describe()
        have = summary(stack.get("RollbackConfiguration"))
        if have == wanted:
            self.logger.info("rollback triggers verified: %s", shown(*have))
        elif point == "after_update" and stack.get("LastUpdatedTime") == wrapped.updated_before:
            self.logger.warning(
                "the update was not performed (nothing else changed), so the stack keeps its "
                "rollback triggers %s; %s reach it with its next change",
                shown(*have),
                shown(*wanted),
            )
        else:
            raise RollbackTriggerError(
                f"{self.stack.name}: !{TAG}: {operation} was sent rollback triggers "
                f"{shown(*wanted)}, yet DescribeStacks shows {shown(*have)}"
            )
