"""Route 53 health checks computed from their alarms, and TestDNSAnswer.

moto answers GetHealthCheckStatus with a fixed "Success" whatever the check, drops a
CreateHealthCheck's AlarmIdentifier, and has no TestDNSAnswer. Here GetHealthCheckStatus reports
what `route53_answers.health_status` computes (one observation, from the alarm's region),
CreateHealthCheck keeps the alarm (which must exist), and TestDNSAnswer answers as Route 53's
authoritative servers would, failover included, for public hosted zones only, as in AWS
(private zones answer from inside their VPCs: `vpc_resolver.py`).
"""

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.route53 import urls
from moto.route53.exceptions import InvalidInput
from moto.route53.responses import Route53

from tapstack_emulator import route53_answers
from tapstack_emulator.models.route53 import check_alarm_exists, follow_alarm

TEST_DNS_ANSWER_PATH = r"{0}/(?P<api_version>[\d_-]+)/testdnsanswer$"
NAMESERVER = "ns-local.awsdns.tapstack-emulator"
_moto_create_health_check = Route53.create_health_check


def get_health_check_status(self: Route53) -> ActionResult:
    """The check's status as Route 53 computes it."""
    check = self.backend.get_health_check(self._get_param("HealthCheckId"))
    status = route53_answers.health_status(check, self.current_account)
    alarm = getattr(check, "alarm_identifier", None)
    observation = {
        "Region": alarm["Region"] if alarm else "us-east-1",
        "StatusReport": {"Status": status.report, "CheckedTime": utcnow()},
    }
    return ActionResult({"HealthCheckObservations": [observation]})


def create_health_check(self: Route53) -> ActionResult:
    """moto's CreateHealthCheck, keeping a CLOUDWATCH_METRIC check's alarm."""
    config = self._get_param("HealthCheckConfig")
    alarm = config.get("AlarmIdentifier")
    if config["Type"] == "CLOUDWATCH_METRIC":
        if not alarm:
            raise InvalidInput("A CLOUDWATCH_METRIC health check needs an AlarmIdentifier")
        try:
            check_alarm_exists(self.current_account, alarm)
        except ValueError as missing:
            raise InvalidInput(str(missing)) from None
    result = _moto_create_health_check(self)
    if alarm:
        reference = self._get_param("CallerReference")
        (check,) = [
            c for c in self.backend.health_checks.values() if c.caller_reference == reference
        ]
        follow_alarm(check, alarm, config.get("InsufficientDataHealthStatus"))
    return result


def test_dns_answer(self: Route53) -> ActionResult:
    """TestDNSAnswer for a public hosted zone."""
    zone = self.backend.get_hosted_zone(self._get_param("HostedZoneId"))
    name, record_type = self._get_param("RecordName"), self._get_param("RecordType")
    if zone.private_zone:
        raise InvalidInput(
            "TestDNSAnswer supports only public hosted zones; "
            f"{zone.resource_id} is a private hosted zone"
        )
    try:
        values = route53_answers.answer(zone, name, record_type, self.backend)
    except route53_answers.NotModelledError as err:
        raise InvalidInput(str(err)) from None
    return ActionResult(
        {
            "Nameserver": NAMESERVER,
            "RecordName": name,
            "RecordType": record_type,
            "RecordData": values,
            "ResponseCode": route53_answers.response_code(zone, name, values),
            "Protocol": "UDP",
        }
    )


def apply() -> None:
    """Install the status, the alarm on create, and TestDNSAnswer (its URL too)."""
    Route53.get_health_check_status = get_health_check_status
    Route53.create_health_check = create_health_check
    Route53.test_dns_answer = test_dns_answer
    urls.url_paths[TEST_DNS_ANSWER_PATH] = Route53.dispatch
