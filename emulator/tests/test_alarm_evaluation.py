"""Alarms evaluate metric data put to CloudWatch (PutMetricData, or embedded-metric-format log
lines as Powertools writes them) by their own statistic, threshold, period, evaluation periods
and missing-data treatment; a rollback trigger in ALARM rolls a stack operation back."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from stack_helpers import unique

NAMESPACE = "tapstack-tests"


def put_alarm(client, metric: str, **overrides) -> str:
    name = unique("alarm")
    settings = {
        "AlarmName": name,
        "Namespace": NAMESPACE,
        "MetricName": metric,
        "Dimensions": [{"Name": "target", "Value": "staging"}],
        "Statistic": "Maximum",
        "Period": 10,
        "EvaluationPeriods": 2,
        "DatapointsToAlarm": 2,
        "Threshold": 60,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "missing",
        **overrides,
    }
    client("cloudwatch").put_metric_alarm(**settings)
    return name


def put_value(client, metric: str, value: float, seconds_ago: float = 0, target: str = "staging"):
    client("cloudwatch").put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "target", "Value": target}],
                "Value": value,
                "Timestamp": datetime.now(UTC) - timedelta(seconds=seconds_ago),
            }
        ],
    )


def state(client, name: str) -> str:
    (alarm,) = client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return alarm["StateValue"]


def test_an_alarm_needs_its_datapoints_to_alarm_above_the_threshold(client):
    metric = unique("lag")
    alarm = put_alarm(client, metric)
    # one breaching period of the two it needs: not yet
    put_value(client, metric, 90)
    assert state(client, alarm) == "OK"
    # a value at the threshold in the previous period does not breach it
    put_value(client, metric, 60, seconds_ago=12)
    assert state(client, alarm) == "OK"
    # the previous period breaching too: ALARM, with CloudWatch's kind of reason
    put_value(client, metric, 75, seconds_ago=15)
    assert state(client, alarm) == "ALARM"
    (described,) = client("cloudwatch").describe_alarms(AlarmNames=[alarm])["MetricAlarms"]
    assert described["StateReason"].startswith("Threshold Crossed: 2 out of the last 2")
    # a metric with other dimensions is another metric
    other = put_alarm(client, metric, Dimensions=[{"Name": "target", "Value": "dev"}])
    put_value(client, metric, 99, target="staging")
    assert state(client, other) == "OK"


@pytest.mark.parametrize(
    ("treat", "expected"),
    [
        pytest.param("missing", "INSUFFICIENT_DATA", id="missing"),
        pytest.param("breaching", "ALARM", id="breaching"),
        pytest.param("notBreaching", "OK", id="notBreaching"),
    ],
)
def test_periods_without_data_count_as_treat_missing_data_says(client, treat, expected):
    metric = unique("quiet")
    alarm = put_alarm(client, metric, TreatMissingData=treat)
    put_value(client, metric, 90, seconds_ago=3600)  # data, but long before the periods
    assert state(client, alarm) == expected


def test_metric_math_alarms_evaluate_their_expression(client):
    staging, dev = unique("lag"), unique("lag")
    client("cloudwatch").put_metric_alarm(
        AlarmName=(name := unique("math")),
        Metrics=[
            {
                "Id": query_id,
                "MetricStat": {
                    "Metric": {"Namespace": NAMESPACE, "MetricName": metric, "Dimensions": []},
                    "Period": 60,
                    "Stat": "Maximum",
                },
                "ReturnData": False,
            }
            for query_id, metric in (("staging", staging), ("dev", dev))
        ]
        + [{"Id": "result", "Expression": "MAX([staging, dev])", "ReturnData": True}],
        EvaluationPeriods=1,
        Threshold=60,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    cloudwatch = client("cloudwatch")
    cloudwatch.put_metric_data(
        Namespace=NAMESPACE, MetricData=[{"MetricName": staging, "Value": 10}]
    )
    assert state(client, name) == "OK"
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[{"MetricName": dev, "Value": 70}])
    assert state(client, name) == "ALARM"


def emf_line(metric: str, value: float, target: str = "staging") -> str:
    """One embedded-metric-format line, as Powertools' Metrics prints it."""
    return json.dumps(
        {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [["service", "target"]],
                        "Metrics": [{"Name": metric, "Unit": "Seconds"}],
                    }
                ],
            },
            "service": "tapstack-tests",
            "target": target,
            metric: [value],
        }
    )


def test_embedded_metric_format_log_lines_become_metrics_and_move_alarms(client):
    metric = unique("lag")
    alarm = put_alarm(
        client,
        metric,
        Dimensions=[
            {"Name": "service", "Value": "tapstack-tests"},
            {"Name": "target", "Value": "staging"},
        ],
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
    )
    logs, group = client("logs"), unique("/tapstack/tests")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {"timestamp": now, "message": json.dumps({"level": "INFO", metric: 500})},  # not EMF
            {"timestamp": now, "message": emf_line(metric, 12)},
        ],
    )
    statistics = client("cloudwatch").get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=metric,
        Dimensions=[
            {"Name": "service", "Value": "tapstack-tests"},
            {"Name": "target", "Value": "staging"},
        ],
        StartTime=datetime.now(UTC) - timedelta(minutes=5),
        EndTime=datetime.now(UTC) + timedelta(minutes=5),
        Period=300,
        Statistics=["Maximum", "SampleCount"],
    )["Datapoints"]
    assert [(p["Maximum"], p["SampleCount"]) for p in statistics] == [(12.0, 1.0)]
    assert state(client, alarm) == "OK"
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": emf_line(metric, 61)}],
    )
    assert state(client, alarm) == "ALARM"
