"""Route 53 models: private hosted zones, failover record sets, alarm health checks.

moto's own CloudFormation models name a hosted zone after the logical id, make it public and
drop VPCs; delete record sets by name only (two failover records share a name, so deleting one
deletes both); and keep a health check's type but not its CloudWatch alarm, nor delete it.
These models do what Route 53 does for the properties tapstack uses, and refuse what they do not
model.
"""

from typing import Any, ClassVar

from moto.cloudwatch.models import cloudwatch_backends
from moto.ec2.models import ec2_backends
from moto.route53.models import HealthCheck as MotoHealthCheck
from moto.route53.models import Route53Backend, route53_backends
from moto.utilities.utils import get_partition

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register


def backend(scope: Scope) -> Route53Backend:
    """The account's (global) Route 53 backend."""
    return route53_backends[scope.account_id][get_partition(scope.region_name)]


def _vpc_exists(account_id: str, vpc_id: str, region: str) -> bool:
    return vpc_id in ec2_backends[account_id][region].vpcs


@register
class HostedZone(EmulatedResource):
    """AWS::Route53::HostedZone: private when VPCs are given (each must exist in its region).
    Ref is the zone id (without the /hostedzone/ prefix)."""

    TYPE = "AWS::Route53::HostedZone"
    REPLACED_BY = ("Name",)
    NAME_PROPERTY = ""
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Id": "physical_id"}

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "HostedZone":
        vpcs = properties.get("VPCs") or []
        for vpc in vpcs:
            if not _vpc_exists(scope.account_id, vpc["VPCId"], vpc["VPCRegion"]):
                raise ValueError(f"VPC {vpc['VPCId']} does not exist in {vpc['VPCRegion']}")
        first = vpcs[0] if vpcs else {}
        zone = backend(scope).create_hosted_zone(
            properties["Name"],
            private_zone=bool(vpcs),
            caller_reference=name,
            vpcid=first.get("VPCId"),
            vpcregion=first.get("VPCRegion"),
            comment=(properties.get("HostedZoneConfig") or {}).get("Comment"),
        )
        for vpc in vpcs[1:]:
            zone.add_vpc(vpc["VPCId"], vpc["VPCRegion"])
        return cls(scope, zone.resource_id, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        zone = backend(self.scope).get_hosted_zone(self.physical_id)
        zone.vpcs = []
        for vpc in properties.get("VPCs") or []:
            if not _vpc_exists(self.scope.account_id, vpc["VPCId"], vpc["VPCRegion"]):
                raise ValueError(f"VPC {vpc['VPCId']} does not exist in {vpc['VPCRegion']}")
            zone.add_vpc(vpc["VPCId"], vpc["VPCRegion"])
        zone.comment = (properties.get("HostedZoneConfig") or {}).get("Comment")
        self.properties = properties
        return self

    def destroy(self) -> None:
        route53 = backend(self.scope)
        if self.physical_id in route53.zones:
            zone = route53.zones[self.physical_id]
            if zone.rrsets and any(r.type not in ("NS", "SOA") for r in zone.rrsets):
                raise ValueError(f"The hosted zone {self.physical_id} still has record sets")
            route53.delete_hosted_zone(self.physical_id)


@register
class RecordSet(EmulatedResource):
    """AWS::Route53::RecordSet in a zone given by HostedZoneId; a record is identified by
    name, type and SetIdentifier, as in Route 53. Ref is the record name."""

    TYPE = "AWS::Route53::RecordSet"
    SUPPORTED: ClassVar[tuple[str, ...]] = (
        "HostedZoneId",
        "Name",
        "Type",
        "TTL",
        "ResourceRecords",
        "SetIdentifier",
        "Failover",
        "HealthCheckId",
        "Weight",
    )

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "RecordSet":
        unsupported = sorted(set(properties) - set(cls.SUPPORTED))
        if unsupported:
            raise ValueError(f"the local AWS does not model RecordSet properties {unsupported}")
        route53 = backend(scope)
        zone = route53.get_hosted_zone(properties["HostedZoneId"])
        if "HealthCheckId" in properties:
            route53.get_health_check(properties["HealthCheckId"])  # must exist
        if "Failover" in properties and "SetIdentifier" not in properties:
            raise ValueError("a failover record needs a SetIdentifier")
        record = dict(properties)
        record["Name"] = properties["Name"].rstrip(".") + "."
        record["ResourceRecords"] = list(properties.get("ResourceRecords", []))
        zone.upsert_rrset(record)
        return cls(scope, record["Name"], properties)

    def destroy(self) -> None:
        route53 = backend(self.scope)
        zone_id = self.properties["HostedZoneId"]
        if zone_id not in route53.zones:
            return
        zone = route53.zones[zone_id]
        zone.rrsets = [
            r
            for r in zone.rrsets
            if (r.name, r.type, r.set_identifier)
            != (self.physical_id, self.properties["Type"], self.properties.get("SetIdentifier"))
        ]


class AlarmHealthCheck(MotoHealthCheck):
    """moto's health check, answering its CloudWatch alarm as GetHealthCheck does."""

    alarm_identifier: dict[str, str] | None = None
    insufficient_data_health_status: str | None = None

    @property
    def health_check_config(self) -> dict[str, Any]:
        config = dict(super().health_check_config)
        if self.alarm_identifier:
            config["AlarmIdentifier"] = self.alarm_identifier
            config["InsufficientDataHealthStatus"] = self.insufficient_data_health_status
            for endpoint_only in ("IPAddress", "Port", "RequestInterval", "FailureThreshold"):
                config.pop(endpoint_only, None)
        return config


def follow_alarm(
    check: MotoHealthCheck, alarm: dict[str, str], insufficient_data_health_status: str | None
) -> AlarmHealthCheck:
    """Make moto's health check one that follows `alarm` ({Name, Region})."""
    check.__class__ = AlarmHealthCheck
    check.alarm_identifier = alarm
    check.insufficient_data_health_status = insufficient_data_health_status
    return check


def check_alarm_exists(account_id: str, alarm: dict[str, str]) -> None:
    """Route 53 refuses a CLOUDWATCH_METRIC health check whose alarm does not exist."""
    if alarm["Name"] not in cloudwatch_backends[account_id][alarm["Region"]].alarms:
        raise ValueError(f"alarm {alarm['Name']} does not exist in {alarm['Region']}")


@register
class HealthCheck(EmulatedResource):
    """AWS::Route53::HealthCheck. CLOUDWATCH_METRIC checks need their alarm to exist in the
    named region. Ref is the health check id."""

    TYPE = "AWS::Route53::HealthCheck"

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "HealthCheck":
        config = properties["HealthCheckConfig"]
        alarm = config.get("AlarmIdentifier")
        if config["Type"] == "CLOUDWATCH_METRIC":
            if not alarm:
                raise ValueError("a CLOUDWATCH_METRIC health check needs an AlarmIdentifier")
            check_alarm_exists(scope.account_id, alarm)
        check = backend(scope).create_health_check(
            caller_reference=name,
            health_check_args={
                "type": config["Type"],
                "ip_address": config.get("IPAddress"),
                "port": config.get("Port"),
                "resource_path": config.get("ResourcePath"),
                "fqdn": config.get("FullyQualifiedDomainName"),
                "search_string": config.get("SearchString"),
                "request_interval": config.get("RequestInterval"),
                "failure_threshold": config.get("FailureThreshold"),
                "inverted": config.get("Inverted"),
                "disabled": config.get("Disabled"),
            },
        )
        if alarm:
            follow_alarm(check, alarm, config.get("InsufficientDataHealthStatus"))
        return cls(scope, check.id, properties)

    def destroy(self) -> None:
        backend(self.scope).delete_health_check(self.physical_id)
