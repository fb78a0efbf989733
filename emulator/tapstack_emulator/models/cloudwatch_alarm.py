"""AWS::CloudWatch::Alarm (single-metric alarms) in moto's CloudWatch backend.

moto has PutMetricAlarm but no CloudFormation model for alarms. Ref is the alarm name; GetAtt Arn
is its ARN. Metric-math alarms (Metrics) are refused with a clear error rather than half-made.
"""

from typing import Any, ClassVar

from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register


def backend(scope: Scope) -> CloudWatchBackend:
    """The account and region's CloudWatch backend."""
    return cloudwatch_backends[scope.account_id][scope.region_name]


@register
class Alarm(EmulatedResource):
    """AWS::CloudWatch::Alarm: Ref is the alarm name; GetAtt Arn."""

    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Arn": "arn"}

    @property
    def arn(self) -> str:
        return backend(self.scope).alarms[self.physical_id].alarm_arn

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Alarm":
        if "Metrics" in properties:
            raise ValueError("the local AWS models single-metric alarms only (no Metrics)")
        alarm_name = str(properties.get("AlarmName", name))
        if alarm_name in backend(scope).alarms:
            raise ValueError(f"alarm {alarm_name} already exists")
        resource = cls(scope, alarm_name, properties)
        resource.put(properties)
        return resource

    def put(self, properties: dict[str, Any]) -> None:
        """PutMetricAlarm with the declared properties (creates or replaces in place)."""
        backend(self.scope).put_metric_alarm(
            name=self.physical_id,
            namespace=properties["Namespace"],
            metric_name=properties["MetricName"],
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=int(properties["EvaluationPeriods"]),
            period=int(properties["Period"]),
            threshold=float(properties["Threshold"]),
            statistic=properties.get("Statistic"),
            description=properties.get("AlarmDescription", ""),
            dimensions=[
                {"Name": d["Name"], "Value": d["Value"]} for d in properties.get("Dimensions", [])
            ],
            alarm_actions=list(properties.get("AlarmActions", [])),
            ok_actions=list(properties.get("OKActions", [])),
            insufficient_data_actions=list(properties.get("InsufficientDataActions", [])),
            datapoints_to_alarm=properties.get("DatapointsToAlarm"),
            extended_statistic=properties.get("ExtendedStatistic"),
            unit=properties.get("Unit"),
            actions_enabled=str(properties.get("ActionsEnabled", True)).lower() == "true",
            treat_missing_data=properties.get("TreatMissingData"),
        )
        self.properties = properties

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        self.put(properties)
        return self

    def destroy(self) -> None:
        alarms = backend(self.scope)
        if self.physical_id in alarms.alarms:
            alarms.delete_alarms([self.physical_id])
