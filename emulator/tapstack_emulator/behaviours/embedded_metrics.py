"""Log events in CloudWatch's embedded metric format (EMF) become metrics, as CloudWatch Logs
extracts them.

Powertools' Metrics (the Lambdas' `@metrics.log_metrics`) writes one JSON line per flush to
stdout; in AWS that line reaches the function's log group and CloudWatch Logs turns it into
metrics. moto stores the line and nothing more. Here every event put into a log group (the
Lambda runtime's output, or PutLogEvents) that is an EMF object, `{"_aws": {"Timestamp": ms,
"CloudWatchMetrics": [{"Namespace", "Dimensions": [[names...]], "Metrics": [{"Name", "Unit"}]}]},
<name>: value or [values], ...}`, is put as metric data in the log group's account and region:
one metric per directive, metric definition and dimension set, dimension values read from the
root members, at the object's timestamp. Events that are not EMF, or malformed ones, are only
stored, as CloudWatch Logs stores them.
"""

import json
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.logs.models import LogsBackend

_moto_put_log_events = LogsBackend.put_log_events


def metric_data(message: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(namespace, PutMetricData members) for one EMF log line; [] when it is not EMF."""
    try:
        root = json.loads(message)
        directives = root["_aws"]["CloudWatchMetrics"]
        milliseconds = int(root["_aws"]["Timestamp"])
        # naive UTC, as moto keeps the timestamps PutMetricData gives it
        timestamp = datetime.fromtimestamp(milliseconds / 1000, tz=UTC).replace(tzinfo=None)
    except (ValueError, TypeError, KeyError):
        return []
    found = []
    for directive in directives if isinstance(directives, list) else []:
        try:
            members = [
                _member(root, definition, dimension_set, timestamp)
                for definition in directive["Metrics"]
                for dimension_set in directive.get("Dimensions") or [[]]
            ]
            found.append((str(directive["Namespace"]), [m for m in members if m is not None]))
        except (KeyError, TypeError, ValueError):
            continue  # CloudWatch Logs rejects a malformed directive and keeps the event
    return found


def _member(
    root: dict[str, Any], definition: dict[str, Any], names: list[str], timestamp: datetime
) -> dict[str, Any] | None:
    value = root.get(definition["Name"])
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, int | float) for v in values):
        return None
    member = {
        "MetricName": definition["Name"],
        "Dimensions": [{"Name": name, "Value": str(root[name])} for name in names],
        "Timestamp": timestamp,
        "Values": [float(v) for v in values],
    }
    if definition.get("Unit"):
        member["Unit"] = definition["Unit"]
    return member


def put_log_events(
    self: LogsBackend, log_group_name: str, log_stream_name: str, log_events: list[dict[str, Any]]
) -> Any:
    """moto's PutLogEvents, then the metrics of its EMF events."""
    result = _moto_put_log_events(self, log_group_name, log_stream_name, log_events)
    cloudwatch = cloudwatch_backends[self.account_id][self.region_name]
    for event in log_events:
        for namespace, members in metric_data(str(event.get("message", ""))):
            if members:
                cloudwatch.put_metric_data(namespace, members)
    return result


def apply() -> None:
    """Extract EMF metrics from every log event stored."""
    LogsBackend.put_log_events = put_log_events
