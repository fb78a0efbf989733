"""AWS::EC2::SecurityGroup, SecurityGroupIngress and SecurityGroupEgress.

moto's group model ignores inline SecurityGroupEgress (the default allow-all egress stays),
drops rule descriptions, and rebuilds the group on every update; moto has no
SecurityGroupEgress model and cannot delete a SecurityGroupIngress. Here, declaring egress
replaces the default rule as in EC2, and each resource revokes exactly the rules it added.
"""

from typing import Any

from moto.ec2.models.security_groups import SecurityGroupRule

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.ec2_common import ec2, retag, tag
from tapstack_emulator.registry import register

ALLOW_ALL = {"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}


def _permission(rule: dict[str, Any], egress: bool) -> dict[str, Any]:
    """A CloudFormation rule -> keyword arguments of moto's authorize/revoke calls."""
    described = {"Description": rule["Description"]} if rule.get("Description") else {}
    ip_ranges = []
    if rule.get("CidrIp"):
        ip_ranges.append({"CidrIp": rule["CidrIp"], **described})
    if rule.get("CidrIpv6"):
        ip_ranges.append({"CidrIpv6": rule["CidrIpv6"], **described})
    group = rule.get("DestinationSecurityGroupId" if egress else "SourceSecurityGroupId")
    prefix_list = rule.get("DestinationPrefixListId" if egress else "SourcePrefixListId")
    protocol = str(rule["IpProtocol"])
    all_ports = protocol in ("-1", "all")
    return {
        "ip_protocol": protocol,
        "from_port": None if all_ports else rule.get("FromPort"),
        "to_port": None if all_ports else rule.get("ToPort"),
        "ip_ranges": ip_ranges,
        "source_groups": [{"GroupId": group, **described}] if group else [],
        "prefix_list_ids": [{"PrefixListId": prefix_list, **described}] if prefix_list else [],
    }


def authorize(scope: Scope, group_id: str, rule: dict[str, Any], egress: bool) -> list[str]:
    """Add one rule to a group; the ids of the rules EC2 created for it."""
    backend = ec2(scope)
    call = (
        backend.authorize_security_group_egress
        if egress
        else backend.authorize_security_group_ingress
    )
    added, _group = call(group_name_or_id=group_id, **_permission(rule, egress))
    return [added_rule.id for added_rule in added]


def revoke(scope: Scope, group_id: str, rule_ids: list[str], egress: bool) -> None:
    """Remove the rules `rule_ids` from a group, if group and rules still exist."""
    group = ec2(scope).get_security_group_from_id(group_id)
    if group is None:
        return
    if egress:
        group.egress_rules = [r for r in group.egress_rules if r.id not in rule_ids]
    else:
        group.ingress_rules = [r for r in group.ingress_rules if r.id not in rule_ids]


def _is_default_egress(rule: SecurityGroupRule) -> bool:
    return (
        rule.ip_protocol == "-1"
        and rule.ip_range.get("CidrIp") == "0.0.0.0/0"
        and not rule.source_group
    )


@register
class SecurityGroup(EmulatedResource):
    """AWS::EC2::SecurityGroup: Ref is the group id; GetAtt GroupId and VpcId."""

    TYPE = "AWS::EC2::SecurityGroup"
    REPLACED_BY = ("GroupName", "GroupDescription", "VpcId")
    NAME_PROPERTY = "GroupName"
    ATTRIBUTES = {"GroupId": "physical_id", "VpcId": "vpc_id"}  # noqa: RUF012

    def __init__(self, scope: Scope, physical_id: str, properties: dict[str, Any]) -> None:
        super().__init__(scope, physical_id, properties)
        self.inline_rule_ids: dict[bool, list[str]] = {False: [], True: []}

    @property
    def vpc_id(self) -> str:
        return ec2(self.scope).get_security_group_from_id(self.physical_id).vpc_id

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "SecurityGroup":
        group = ec2(scope).create_security_group(
            name=properties.get("GroupName", name),
            description=properties["GroupDescription"],
            vpc_id=properties.get("VpcId"),
        )
        resource = cls(scope, group.id, {})
        tag(scope, group.id, properties)
        resource.set_inline_rules(properties)
        resource.properties = properties
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        retag(self.scope, self.physical_id, self.properties, properties)
        self.set_inline_rules(properties)
        self.properties = properties
        return self

    def set_inline_rules(self, properties: dict[str, Any]) -> None:
        """Make the inline ingress and egress rules what `properties` declare."""
        group = ec2(self.scope).get_security_group_from_id(self.physical_id)
        for egress in (False, True):
            revoke(self.scope, self.physical_id, self.inline_rule_ids[egress], egress)
            self.inline_rule_ids[egress] = []
        egress_rules = properties.get("SecurityGroupEgress")
        if egress_rules is not None:
            # Declared egress replaces EC2's default allow-all rule.
            group.egress_rules = [r for r in group.egress_rules if not _is_default_egress(r)]
        else:
            egress_rules = [] if any(map(_is_default_egress, group.egress_rules)) else [ALLOW_ALL]
        for rule in properties.get("SecurityGroupIngress", []):
            self.inline_rule_ids[False] += authorize(self.scope, self.physical_id, rule, False)
        for rule in egress_rules:
            self.inline_rule_ids[True] += authorize(self.scope, self.physical_id, rule, True)

    def destroy(self) -> None:
        backend = ec2(self.scope)
        if backend.get_security_group_from_id(self.physical_id) is not None:
            backend.delete_security_group(group_id=self.physical_id)


class _StandaloneRule(EmulatedResource):
    """A rule added to an existing group; its physical id is the first rule id."""

    EGRESS = False

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "_StandaloneRule":
        rule_ids = authorize(scope, properties["GroupId"], properties, cls.EGRESS)
        resource = cls(scope, rule_ids[0], properties)
        resource.rule_ids = rule_ids
        return resource

    def destroy(self) -> None:
        revoke(self.scope, self.properties["GroupId"], self.rule_ids, self.EGRESS)


@register
class SecurityGroupIngress(_StandaloneRule):
    """AWS::EC2::SecurityGroupIngress."""

    TYPE = "AWS::EC2::SecurityGroupIngress"
    EGRESS = False


@register
class SecurityGroupEgress(_StandaloneRule):
    """AWS::EC2::SecurityGroupEgress."""

    TYPE = "AWS::EC2::SecurityGroupEgress"
    EGRESS = True
