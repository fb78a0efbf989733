"""What Route 53 answers: a health check's status, and the records a name resolves to.

A CLOUDWATCH_METRIC health check follows its alarm (the AlarmIdentifier's name and region, in
the health check's account): OK is healthy, ALARM unhealthy, INSUFFICIENT_DATA (or a missing
alarm) what InsufficientDataHealthStatus says (Healthy, Unhealthy, or LastKnownStatus: the last
OK/ALARM state in the alarm's history, healthy if it never had one). Inverted flips the result;
a Disabled check is always healthy, as in Route 53. Other health check types are not probed
here (they report healthy).

Failover records answer PRIMARY while its health check (if any) is healthy, else SECONDARY
when that is healthy (or has no health check), else PRIMARY (Route 53 answers the primary
when both are unhealthy). Simple records answer their values. Other routing policies
(weighted, latency, geolocation, multivalue) are not modelled and are refused.
"""

from dataclasses import dataclass
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.route53.models import FakeZone, RecordSet, Route53Backend

STATE_HEALTH = {"OK": True, "ALARM": False}


class NotModelledError(ValueError):
    """A record set whose routing policy the emulator does not resolve."""


@dataclass(frozen=True)
class HealthStatus:
    """A health check's status and the reason Route 53's checkers would report."""

    healthy: bool
    reason: str

    @property
    def report(self) -> str:
        """GetHealthCheckStatus' StatusReport.Status text."""
        return f"{'Success' if self.healthy else 'Failure'}: {self.reason}"


def _flag(value: Any) -> bool:
    return str(value).lower() == "true"


def _alarm_health(check: Any, account_id: str) -> HealthStatus:
    alarm_id = check.alarm_identifier
    alarms = cloudwatch_backends[account_id][alarm_id["Region"]].alarms
    alarm = alarms.get(alarm_id["Name"])
    state = alarm.state_value if alarm is not None else "INSUFFICIENT_DATA"
    named = f"CloudWatch alarm {alarm_id['Name']} ({alarm_id['Region']}) is {state}"
    if state in STATE_HEALTH:
        return HealthStatus(STATE_HEALTH[state], named)
    policy = check.insufficient_data_health_status or "LastKnownStatus"
    if policy == "LastKnownStatus":
        states = [
            entry[3] for entry in (alarm.history if alarm else []) if entry[0] == "StateUpdate"
        ]
        known = [s for s in states if s in STATE_HEALTH]
        healthy = STATE_HEALTH[known[-1]] if known else True
    else:
        healthy = policy == "Healthy"
    return HealthStatus(healthy, f"{named}; InsufficientDataHealthStatus is {policy}")


def health_status(check: Any, account_id: str) -> HealthStatus:
    """The status Route 53 computes for `check` (of `account_id`)."""
    if _flag(check.disabled):
        return HealthStatus(True, "the health check is disabled (Route 53 treats it as healthy)")
    if getattr(check, "alarm_identifier", None):
        status = _alarm_health(check, account_id)
    else:
        status = HealthStatus(True, f"{check.type_} health checks are not probed locally")
    if _flag(check.inverted):
        return HealthStatus(not status.healthy, f"{status.reason} (inverted)")
    return status


def _healthy(record: RecordSet, route53: Route53Backend, account_id: str) -> bool:
    if not record.health_check_id:
        return True
    check = route53.health_checks.get(record.health_check_id)
    return check is None or health_status(check, account_id).healthy


def _fqdn(name: str) -> str:
    return name.rstrip(".").lower() + "."


def _named(zone: FakeZone, name: str, record_type: str) -> list[RecordSet]:
    same_name = [r for r in zone.rrsets if _fqdn(r.name) == _fqdn(name)]
    typed = [r for r in same_name if r.type == record_type]
    return typed or [r for r in same_name if r.type == "CNAME"]


def in_zone(zone: FakeZone, name: str) -> bool:
    """True when `name` is the zone's apex or below it."""
    apex = _fqdn(zone.name)
    return _fqdn(name) == apex or _fqdn(name).endswith("." + apex)


def response_code(zone: FakeZone, name: str, values: list[str]) -> str:
    """NOERROR when the name has records (of any type), else NXDOMAIN."""
    exists = values or any(_fqdn(r.name) == _fqdn(name) for r in zone.rrsets)
    return "NOERROR" if exists else "NXDOMAIN"


def answering_records(
    zone: FakeZone, name: str, record_type: str, route53: Route53Backend
) -> list[RecordSet]:
    """The record sets Route 53 answers `name`/`record_type` from in `zone` (none: NXDOMAIN or
    no data). A CNAME at the name answers any type, as DNS does."""
    records = _named(zone, name, record_type)
    failover = {r.failover: r for r in records if r.failover}
    if failover:
        primary, secondary = failover.get("PRIMARY"), failover.get("SECONDARY")
        account_id = route53.account_id
        if primary is not None and _healthy(primary, route53, account_id):
            return [primary]
        if secondary is not None and _healthy(secondary, route53, account_id):
            return [secondary]
        return [primary or secondary]
    routed = [r for r in records if r.set_identifier]
    if routed:
        raise NotModelledError(
            f"the local AWS resolves simple and failover records only, not {routed[0].name} "
            f"(SetIdentifier {routed[0].set_identifier})"
        )
    return records


def answer(zone: FakeZone, name: str, record_type: str, route53: Route53Backend) -> list[str]:
    """The values Route 53 answers for `name`/`record_type` in `zone`."""
    records = answering_records(zone, name, record_type, route53)
    return [value for record in records for value in record.records]
