"""Route 53 health checks follow their CloudWatch alarm, and failover records answer by them:
GetHealthCheckStatus, TestDNSAnswer (public zones) and the VPC resolver (private zones)."""

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest
from stack_helpers import unique

PRIMARY, SECONDARY = "primary.db.example.com", "secondary.db.example.com"


@dataclass
class Failover:
    """A zone with a PRIMARY/SECONDARY CNAME pair; the primary guarded by an alarm check."""

    zone_id: str
    name: str
    alarm: str
    check_id: str
    route53: Any
    cloudwatch: Any

    def set_alarm(self, state: str) -> None:
        self.cloudwatch.set_alarm_state(AlarmName=self.alarm, StateValue=state, StateReason="t")

    def status(self) -> str:
        observations = self.route53.get_health_check_status(HealthCheckId=self.check_id)
        (observation,) = observations["HealthCheckObservations"]
        return observation["StatusReport"]["Status"]

    def test_answer(self) -> dict:
        return self.route53.test_dns_answer(
            HostedZoneId=self.zone_id, RecordName=self.name, RecordType="CNAME"
        )


def alarm(cloudwatch: Any) -> str:
    name = unique("writer-down")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/RDS",
        MetricName="EngineUptime",
        Statistic="Minimum",
        Period=60,
        EvaluationPeriods=3,
        Threshold=0,
        ComparisonOperator="LessThanOrEqualToThreshold",
        TreatMissingData="breaching",
    )
    return name


def alarm_check(route53: Any, alarm_name: str, insufficient: str = "Unhealthy", **config) -> str:
    return route53.create_health_check(
        CallerReference=unique("ref"),
        HealthCheckConfig={
            "Type": "CLOUDWATCH_METRIC",
            "AlarmIdentifier": {"Region": "us-east-1", "Name": alarm_name},
            "InsufficientDataHealthStatus": insufficient,
            **config,
        },
    )["HealthCheck"]["Id"]


def record(name: str, failover: str, value: str, check_id: str | None = None) -> dict:
    record_set = {
        "Name": name,
        "Type": "CNAME",
        "TTL": 30,
        "SetIdentifier": failover.lower(),
        "Failover": failover,
        "ResourceRecords": [{"Value": value}],
    }
    if check_id:
        record_set["HealthCheckId"] = check_id
    return {"Action": "CREATE", "ResourceRecordSet": record_set}


def failover_zone(client, vpc: dict | None = None, secondary_check: str | None = None) -> Failover:
    route53, cloudwatch = client("route53"), client("cloudwatch")
    zone_name = f"{unique('z')}.example.com"
    private = {"VPC": vpc, "HostedZoneConfig": {"PrivateZone": True}} if vpc else {}
    zone_id = route53.create_hosted_zone(Name=zone_name, CallerReference=unique("zone"), **private)[
        "HostedZone"
    ]["Id"].rsplit("/", 1)[-1]
    alarm_name = alarm(cloudwatch)
    check_id = alarm_check(route53, alarm_name)
    name = f"writer.{zone_name}"
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                record(name, "PRIMARY", PRIMARY, check_id),
                record(name, "SECONDARY", SECONDARY, secondary_check),
            ]
        },
    )
    return Failover(zone_id, name, alarm_name, check_id, route53, cloudwatch)


@pytest.mark.parametrize(
    ("insufficient", "before", "expected"),
    [
        pytest.param("Unhealthy", "OK", "Failure", id="unhealthy"),
        pytest.param("Healthy", "ALARM", "Success", id="healthy"),
        pytest.param("LastKnownStatus", "ALARM", "Failure", id="last-known-alarm"),
        pytest.param("LastKnownStatus", "OK", "Success", id="last-known-ok"),
    ],
)
def test_insufficient_data_is_what_the_check_says(client, insufficient, before, expected):
    route53, cloudwatch = client("route53"), client("cloudwatch")
    alarm_name = alarm(cloudwatch)
    check_id = alarm_check(route53, alarm_name, insufficient)
    cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue=before, StateReason="t")
    cloudwatch.set_alarm_state(
        AlarmName=alarm_name, StateValue="INSUFFICIENT_DATA", StateReason="t"
    )
    (observation,) = route53.get_health_check_status(HealthCheckId=check_id)[
        "HealthCheckObservations"
    ]
    assert observation["StatusReport"]["Status"].startswith(f"{expected}:")
    assert "INSUFFICIENT_DATA" in observation["StatusReport"]["Status"]
    assert observation["Region"] == "us-east-1"


def test_health_check_status_follows_its_alarm(client):
    zone = failover_zone(client)
    zone.set_alarm("OK")
    assert zone.status().startswith("Success:")
    zone.set_alarm("ALARM")
    assert zone.status().startswith("Failure:")
    assert zone.alarm in zone.status()
    zone.set_alarm("OK")
    assert zone.status().startswith("Success:")


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param({"Inverted": True}, "Success", id="inverted"),
        pytest.param({"Disabled": True}, "Success", id="disabled"),
    ],
)
def test_inverted_and_disabled_checks(client, config, expected):
    route53, cloudwatch = client("route53"), client("cloudwatch")
    alarm_name = alarm(cloudwatch)
    check_id = alarm_check(route53, alarm_name, **config)
    cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue="ALARM", StateReason="t")
    (observation,) = route53.get_health_check_status(HealthCheckId=check_id)[
        "HealthCheckObservations"
    ]
    assert observation["StatusReport"]["Status"].startswith(f"{expected}:")


def test_an_alarm_health_check_needs_its_alarm(client):
    route53 = client("route53")
    with pytest.raises(route53.exceptions.InvalidInput, match="does not exist"):
        alarm_check(route53, unique("no-such-alarm"))
    check = route53.get_health_check(
        HealthCheckId=alarm_check(route53, alarm(client("cloudwatch")))
    )
    assert check["HealthCheck"]["HealthCheckConfig"]["InsufficientDataHealthStatus"] == "Unhealthy"


def test_test_dns_answer_fails_over_while_the_alarm_fires(client):
    zone = failover_zone(client)
    zone.set_alarm("OK")
    answer = zone.test_answer()
    assert (answer["RecordData"], answer["ResponseCode"]) == ([PRIMARY], "NOERROR")
    zone.set_alarm("ALARM")
    assert zone.test_answer()["RecordData"] == [SECONDARY]
    zone.set_alarm("OK")
    assert zone.test_answer()["RecordData"] == [PRIMARY]


def test_both_unhealthy_answers_the_primary(client):
    cloudwatch = client("cloudwatch")
    secondary_alarm = alarm(cloudwatch)
    secondary_check = alarm_check(client("route53"), secondary_alarm)
    zone = failover_zone(client, secondary_check=secondary_check)
    zone.set_alarm("ALARM")
    cloudwatch.set_alarm_state(AlarmName=secondary_alarm, StateValue="ALARM", StateReason="t")
    assert zone.test_answer()["RecordData"] == [PRIMARY]


def test_test_dns_answer_of_an_unknown_name_is_nxdomain(client):
    zone = failover_zone(client)
    answer = zone.route53.test_dns_answer(
        HostedZoneId=zone.zone_id, RecordName=f"nothing.{zone.name}", RecordType="CNAME"
    )
    assert (answer["RecordData"], answer["ResponseCode"]) == ([], "NXDOMAIN")


def resolve(endpoint: str, **query: str) -> dict:
    url = f"{endpoint}/tapstack-emulator/vpc-resolver?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - http://127.0.0.1
        return json.load(response)


def test_a_private_zone_answers_in_its_vpc_and_fails_over(client, endpoint):
    ec2 = client("ec2")
    # CIDRs no other test looks for (the server is shared by the session).
    vpc_id = ec2.create_vpc(CidrBlock="10.179.0.0/16")["Vpc"]["VpcId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.180.0.0/16")["Vpc"]["VpcId"]
    zone = failover_zone(client, vpc={"VPCRegion": "us-east-1", "VPCId": vpc_id})
    with pytest.raises(zone.route53.exceptions.InvalidInput, match="only public hosted zones"):
        zone.test_answer()
    query = {"vpc": vpc_id, "region": "us-east-1", "name": zone.name, "type": "CNAME"}
    zone.set_alarm("OK")
    answer = resolve(endpoint, **query)
    assert (answer["RecordData"], answer["Zone"]) == ([PRIMARY], zone.zone_id)
    assert answer["AnsweredBy"] == [{"SetIdentifier": "primary", "Failover": "PRIMARY"}]
    zone.set_alarm("ALARM")
    failed_over = resolve(endpoint, **query)
    assert failed_over["RecordData"] == [SECONDARY]
    assert failed_over["AnsweredBy"] == [{"SetIdentifier": "secondary", "Failover": "SECONDARY"}]
    outside = resolve(endpoint, **{**query, "vpc": other_vpc})
    assert (outside["RecordData"], outside["ResponseCode"]) == ([], "NXDOMAIN")
    zone.set_alarm("OK")
    assert resolve(endpoint, **query)["RecordData"] == [PRIMARY]


def test_the_vpc_resolver_names_a_missing_parameter(endpoint):
    with pytest.raises(urllib.error.HTTPError) as refused:
        resolve(endpoint, vpc="vpc-1", region="us-east-1", type="CNAME")
    assert refused.value.code == 400
    assert "'name'" in json.load(refused.value)["error"]
