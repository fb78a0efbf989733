"""Alarms change state when metric data arrives, as CloudWatch evaluates them.

moto stores metric data and alarms but never connects them: an alarm stays in the state it was
created in (OK) or that SetAlarmState gave it. Here every PutMetricData (the API, or metrics
extracted from embedded-metric-format log lines, embedded_metrics.py) evaluates the alarms of
that account and region that read one of the metrics put (alarm_evaluation.py). CloudWatch
evaluates alarms on a clock, about once a minute; the local AWS evaluates when data arrives and
when CloudFormation checks a rollback trigger (rollback_monitoring.py), so a state set with
SetAlarmState lasts until one of those happens.
"""

from typing import Any

from moto.cloudwatch.models import CloudWatchBackend

from tapstack_emulator import alarm_evaluation

_moto_put_metric_data = CloudWatchBackend.put_metric_data


def put_metric_data(
    self: CloudWatchBackend, namespace: str, metric_data: list[dict[str, Any]]
) -> None:
    """moto's PutMetricData, then the evaluation of every alarm on the metrics put."""
    _moto_put_metric_data(self, namespace, metric_data)
    keys = {
        (
            namespace,
            datum["MetricName"],
            frozenset((d["Name"], d["Value"]) for d in datum.get("Dimensions") or []),
        )
        for datum in metric_data
    }
    for alarm in list(self.alarms.values()):
        if alarm_evaluation.watches_any(alarm, keys):
            alarm_evaluation.refresh(self, alarm)


def apply() -> None:
    """Evaluate alarms on PutMetricData."""
    CloudWatchBackend.put_metric_data = put_metric_data
