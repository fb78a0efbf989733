"""CloudWatch metric alarms computed from the metric data put to CloudWatch.

An alarm's series is its metric's statistic per period (with metric math: the ReturnData
expression over its queries' per-period statistics, metric_math.py). The last
EvaluationPeriods periods, counted back from the moment of evaluation, are compared with the
threshold; DatapointsToAlarm of them (default: all) breaching put the alarm in ALARM, otherwise
it is OK. A period without data counts as TreatMissingData says: `missing` (the default; no data
at all: INSUFFICIENT_DATA), `notBreaching`, `breaching`, or `ignore` (no data at all: the state
stays). A state change is recorded as CloudWatch records it (reason, reason data, history).

Not evaluated (the state is left as it is): composite alarms, anomaly-detection bands
(ThresholdMetricId), metric math beyond metric_math.py.
"""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.cloudwatch.models import Alarm, CloudWatchBackend, MetricAggregatedDatum, MetricDatum

from tapstack_emulator import metric_math

logger = logging.getLogger(__name__)
MetricKey = tuple[str, str, frozenset[tuple[str, str]]]
_COMPARISONS = {
    "GreaterThanThreshold": ("greater than", lambda value, threshold: value > threshold),
    "GreaterThanOrEqualToThreshold": (
        "greater than or equal to",
        lambda value, threshold: value >= threshold,
    ),
    "LessThanThreshold": ("less than", lambda value, threshold: value < threshold),
    "LessThanOrEqualToThreshold": (
        "less than or equal to",
        lambda value, threshold: value <= threshold,
    ),
}


@dataclass(frozen=True)
class Watched:
    """One metric an alarm reads, with its statistic and period."""

    key: MetricKey
    statistic: str
    period: int


@dataclass(frozen=True)
class Outcome:
    """The state an evaluation arrived at, and why."""

    state: str
    reason: str
    reason_data: str


def metric_key(namespace: str, name: str, dimensions: Any) -> MetricKey:
    """Namespace, name and dimension set: what makes a CloudWatch metric one metric."""
    pairs = frozenset((d.name, d.value) for d in dimensions or [])
    return (namespace, name, pairs)


def watched(alarm: Alarm) -> dict[str, Watched]:
    """The alarm's metrics by query id (`m` for a single-metric alarm)."""
    if not alarm.metric_data_queries:
        statistic = alarm.statistic or alarm.extended_statistic or "Average"
        key = metric_key(alarm.namespace, alarm.metric_name, alarm.dimensions)
        return {"m": Watched(key, statistic, int(alarm.period))}
    found = {}
    for query in alarm.metric_data_queries:
        stat = query.metric_stat
        if stat is not None:
            key = metric_key(stat.metric.namespace, stat.metric.metric_name, stat.metric.dimensions)
            found[query.id] = Watched(key, stat.stat, int(stat.period))
    return found


def watches_any(alarm: Alarm, keys: set[MetricKey]) -> bool:
    """True when the alarm reads one of the metrics `keys` name."""
    return any(metric.key in keys for metric in watched(alarm).values())


def _as_utc(moment: datetime | str) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def statistic(datums: list[Any], name: str) -> float | None:
    """CloudWatch's statistic `name` over one period's datums (None: no data)."""
    values = [d.value for d in datums if isinstance(d, MetricDatum)]
    sets = [d for d in datums if isinstance(d, MetricAggregatedDatum)]
    count = len(values) + sum(s.sample_count for s in sets)
    if not count:
        return None
    total = sum(values) + sum(s.sum for s in sets)
    if name == "SampleCount":
        return float(count)
    if name == "Sum":
        return total
    if name == "Average":
        return total / count
    if name == "Minimum":
        return min(values + [s.min for s in sets])
    if name == "Maximum":
        return max(values + [s.max for s in sets])
    if name.startswith("p") and values:
        ranked = sorted(values)
        rank = max(0, min(len(ranked) - 1, round(float(name[1:]) / 100 * len(ranked)) - 1))
        return ranked[rank]
    raise metric_math.UnsupportedExpressionError(f"the local AWS does not compute statistic {name}")


def _period_values(metric: Watched, data: list[Any], now: datetime, periods: int) -> list:
    """The statistic of each of the last `periods` periods, newest first."""
    matching = [d for d in data if metric_key(d.namespace, d.name, d.dimensions) == metric.key]
    window = timedelta(seconds=metric.period)
    values = []
    for index in range(periods):
        start, end = now - window * (index + 1), now - window * index
        in_period = [
            d
            for d in matching
            if start <= _as_utc(d.timestamp) and (index == 0 or _as_utc(d.timestamp) < end)
        ]
        values.append(statistic(in_period, metric.statistic))
    return values


def series(alarm: Alarm, data: list[Any], now: datetime) -> list[float | None]:
    """The alarm's datapoints for its last EvaluationPeriods periods, newest first."""
    periods = int(alarm.evaluation_periods)
    metrics = watched(alarm)
    per_query = {qid: _period_values(m, data, now, periods) for qid, m in metrics.items()}
    if not alarm.metric_data_queries:
        return per_query["m"]
    returned = [q for q in alarm.metric_data_queries if str(q.return_data).lower() != "false"]
    if len(returned) != 1:
        raise metric_math.UnsupportedExpressionError(
            "an alarm needs exactly one query with ReturnData"
        )
    (result,) = returned
    if result.expression is None:
        return per_query[result.id]
    return [
        metric_math.evaluate(result.expression, {qid: per_query[qid][i] for qid in per_query})
        for i in range(periods)
    ]


def evaluate(alarm: Alarm, data: list[Any], now: datetime) -> Outcome | None:
    """The state `alarm` is in at `now` given `data`, or None when it is not evaluated here."""
    if alarm.rule is not None or alarm.threshold_metric_id:
        return None
    words, breaches = _COMPARISONS[alarm.comparison_operator]
    points = series(alarm, data, now)
    treat = alarm.treat_missing_data or "missing"
    missing = sum(1 for p in points if p is None)
    breaching = sum(1 for p in points if p is not None and breaches(p, alarm.threshold))
    if treat == "breaching":
        breaching += missing
    needed = int(alarm.datapoints_to_alarm or alarm.evaluation_periods)
    shown = ", ".join("-" if p is None else f"{p:g}" for p in points)
    reason_data = json.dumps(
        {
            "version": "1.0",
            "queryDate": now.isoformat(),
            "recentDatapoints": [p for p in points if p is not None],
            "threshold": alarm.threshold,
            "evaluatedDatapoints": len(points),
        }
    )
    if missing == len(points) and treat in ("missing", "ignore"):
        if treat == "ignore":
            return None
        reason = f"Insufficient Data: {len(points)} datapoints were unknown."
        return Outcome("INSUFFICIENT_DATA", reason, reason_data)
    state = "ALARM" if breaching >= needed else "OK"
    reason = (
        f"Threshold Crossed: {breaching} out of the last {len(points)} datapoints [{shown}] "
        f"{'were' if breaching != 1 else 'was'} {words} the threshold ({alarm.threshold:g}) "
        f"(minimum {needed} datapoint(s) for OK -> ALARM transition)."
    )
    return Outcome(state, reason, reason_data)


def refresh(backend: CloudWatchBackend, alarm: Alarm, now: datetime | None = None) -> str:
    """Evaluate `alarm` now and record a state change; its state afterwards."""
    try:
        outcome = evaluate(alarm, backend.metric_data, now or datetime.now(UTC))
    except metric_math.UnsupportedExpressionError as err:
        logger.warning("alarm %s is not evaluated: %s", alarm.name, err)
        return alarm.state_value
    if outcome is not None and outcome.state != alarm.state_value:
        alarm.update_state(outcome.reason, outcome.reason_data, outcome.state)
    return alarm.state_value
