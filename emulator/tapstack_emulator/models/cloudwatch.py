"""AWS::CloudWatch::Alarm: moto has the CloudWatch API but no CloudFormation model for alarms.

The alarm is put through moto's backend (DescribeAlarms shows it, with metric math queries,
actions and tags); Ref is the alarm name, GetAtt Arn its ARN; every property updates in place
except AlarmName. Alarms are stored, never evaluated against metric data.
"""

from typing import Any

from moto.cloudwatch.models import (
    CloudWatchBackend,
    Metric,
    MetricDataQuery,
    MetricStat,
    cloudwatch_backends,
)
from moto.cloudwatch.models import Dimension as MotoDimension

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.ec2_common import as_bool
from tapstack_emulator.registry import register


def backend(scope: Scope) -> CloudWatchBackend:
    """The account and region's CloudWatch backend."""
    return cloudwatch_backends[scope.account_id][scope.region_name]


def metric_data_queries(metrics: list[dict[str, Any]]) -> list[MetricDataQuery]:
    """The `Metrics` property (metric math) as moto's query objects."""
    queries = []
    for metric in metrics:
        stat = metric.get("MetricStat")
        metric_stat = None
        if stat:
            watched = stat["Metric"]
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=watched["MetricName"],
                    namespace=watched["Namespace"],
                    dimensions=[
                        MotoDimension(d["Name"], d["Value"]) for d in watched.get("Dimensions", [])
                    ],
                ),
                period=str(stat["Period"]),
                stat=stat["Stat"],
                unit=stat.get("Unit"),
            )
        queries.append(
            MetricDataQuery(
                query_id=metric["Id"],
                label=metric.get("Label"),
                period=metric.get("Period"),
                return_data=str(as_bool(metric.get("ReturnData", True))).lower(),
                expression=metric.get("Expression"),
                metric_stat=metric_stat,
            )
        )
    return queries


def _number(value: Any) -> int | None:
    return None if value is None else int(value)


@register
class Alarm(EmulatedResource):
    """AWS::CloudWatch::Alarm: Ref is the name; GetAtt Arn."""

    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES = {"Arn": "arn"}  # noqa: RUF012

    @property
    def arn(self) -> str:
        return backend(self.scope).alarms[self.physical_id].alarm_arn

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Alarm":
        resource = cls(scope, properties.get("AlarmName") or name, {})
        resource.put(properties)
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> "Alarm":
        self.put(properties)
        return self

    def put(self, properties: dict[str, Any]) -> None:
        """PutMetricAlarm with the declared properties (creates or overwrites)."""
        threshold = properties.get("Threshold")
        backend(self.scope).put_metric_alarm(
            name=self.physical_id,
            namespace=properties.get("Namespace"),
            metric_name=properties.get("MetricName"),
            metric_data_queries=metric_data_queries(properties.get("Metrics", [])) or None,
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=int(properties["EvaluationPeriods"]),
            datapoints_to_alarm=_number(properties.get("DatapointsToAlarm")),
            period=_number(properties.get("Period")),
            threshold=None if threshold is None else float(threshold),
            statistic=properties.get("Statistic"),
            extended_statistic=properties.get("ExtendedStatistic"),
            description=properties.get("AlarmDescription", ""),
            dimensions=properties.get("Dimensions", []),
            alarm_actions=properties.get("AlarmActions", []),
            ok_actions=properties.get("OKActions", []),
            insufficient_data_actions=properties.get("InsufficientDataActions", []),
            unit=properties.get("Unit"),
            actions_enabled=as_bool(properties.get("ActionsEnabled", True)),
            treat_missing_data=properties.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=properties.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=properties.get("ThresholdMetricId"),
            tags=properties.get("Tags"),
        )
        self.properties = properties

    def destroy(self) -> None:
        backend(self.scope).delete_alarms([self.physical_id])
