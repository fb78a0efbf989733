"""CloudWatch alarms that address what they watch by name, and the names they watch.

An alarm names its metric's dimensions (a function name, a cluster identifier) through the
naming convention, so the monitoring stack can be created before the stacks it guards and its
alarms can be wired into their `RollbackConfiguration`.
"""

from dataclasses import dataclass, field

from troposphere import AWSHelperFn, Template
from troposphere.cloudwatch import Alarm, MetricDataQuery, MetricDimension, MetricStat
from troposphere.cloudwatch import Metric as CloudWatchMetric

from tapstack_blocks.naming import resource_name

# What other stacks create, by the `{resource}` part of their names (naming.resource_name).
SYNC_FUNCTION = "sync"  # sync stack (prod)
VALIDATOR_FUNCTION = "validator"  # compute stack
DATABASE_CLUSTER = "aurora"  # cluster stack
# The sync Lambda's Powertools metrics (lambda/sync handler): namespace, service dimension.
SYNC_METRIC_NAMESPACE = "tapstack"
SYNC_METRIC_SERVICE = "tapstack-sync"
ONE_MINUTE = 60


@dataclass
class Watched:
    """One metric the alarm reads: namespace, name, dimensions, statistic."""

    namespace: str
    metric_name: str
    dimensions: dict[str, AWSHelperFn | str]
    statistic: str
    query_id: str = "m"

    def dimension_list(self) -> list[MetricDimension]:
        return [MetricDimension(Name=key, Value=value) for key, value in self.dimensions.items()]


@dataclass
class AlarmSpec:
    """An alarm over one metric, or over an expression of several (metric math)."""

    logical_id: str
    name: str  # the `{resource}` part of the alarm's name
    description: str
    threshold: AWSHelperFn | float
    metrics: list[Watched]
    expression: str = ""  # metric math over the metrics' query ids; empty: the single metric
    period_seconds: int = ONE_MINUTE
    evaluation_periods: int = 1
    condition: str | None = None
    treat_missing_data: str = "notBreaching"
    extra: dict = field(default_factory=dict)


def add_alarm(template: Template, spec: AlarmSpec, topic: AWSHelperFn) -> Alarm:
    """Add an alarm that notifies `topic` on ALARM and on OK."""
    alarm = Alarm(
        spec.logical_id,
        AlarmName=resource_name(spec.name),
        AlarmDescription=spec.description,
        ComparisonOperator="GreaterThanThreshold",
        Threshold=spec.threshold,
        EvaluationPeriods=spec.evaluation_periods,
        DatapointsToAlarm=spec.evaluation_periods,
        TreatMissingData=spec.treat_missing_data,
        ActionsEnabled=True,
        AlarmActions=[topic],
        OKActions=[topic],
        **spec.extra,
    )
    if spec.expression:
        alarm.Metrics = [
            *(_query(metric, spec.period_seconds, return_data=False) for metric in spec.metrics),
            MetricDataQuery(
                Id="result", Expression=spec.expression, Label=spec.name, ReturnData=True
            ),
        ]
    else:
        (metric,) = spec.metrics
        alarm.Namespace = metric.namespace
        alarm.MetricName = metric.metric_name
        alarm.Dimensions = metric.dimension_list()
        alarm.Statistic = metric.statistic
        alarm.Period = spec.period_seconds
    if spec.condition:
        alarm.Condition = spec.condition
    return template.add_resource(alarm)


def _query(metric: Watched, period: int, return_data: bool) -> MetricDataQuery:
    return MetricDataQuery(
        Id=metric.query_id,
        MetricStat=MetricStat(
            Metric=CloudWatchMetric(
                Namespace=metric.namespace,
                MetricName=metric.metric_name,
                Dimensions=metric.dimension_list(),
            ),
            Period=period,
            Stat=metric.statistic,
        ),
        ReturnData=return_data,
    )


def lambda_metric(function: str, metric_name: str, query_id: str = "m") -> Watched:
    """An AWS/Lambda metric (Sum) of the function named `tapstack-{function}-{env}-{suffix}`."""
    return Watched(
        "AWS/Lambda",
        metric_name,
        {"FunctionName": resource_name(function)},
        "Sum",
        query_id,
    )


def cluster_metric(metric_name: str, statistic: str = "Maximum") -> Watched:
    """An AWS/RDS metric of the environment's Aurora cluster."""
    return Watched(
        "AWS/RDS", metric_name, {"DBClusterIdentifier": resource_name(DATABASE_CLUSTER)}, statistic
    )


def sync_metric(metric_name: str, target: str, statistic: str = "Maximum") -> Watched:
    """A metric the sync Lambda emits for one target environment."""
    return Watched(
        SYNC_METRIC_NAMESPACE,
        metric_name,
        {"service": SYNC_METRIC_SERVICE, "target": target},
        statistic,
        query_id=target,
    )
