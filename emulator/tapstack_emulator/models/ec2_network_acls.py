"""AWS::EC2::NetworkAcl, NetworkAclEntry and SubnetNetworkAclAssociation (moto has none).

A new network ACL has only the two catch-all deny rules (number 32767), as in EC2; an
association moves a subnet from its current ACL, and deleting it moves the subnet back to the
VPC's default ACL.
"""

from typing import Any

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.ec2_common import as_bool, ec2, retag, tag
from tapstack_emulator.registry import register

CATCH_ALL_RULE = 32767


@register
class NetworkAcl(EmulatedResource):
    """AWS::EC2::NetworkAcl: Ref is the ACL id; GetAtt Id."""

    TYPE = "AWS::EC2::NetworkAcl"
    REPLACED_BY = ("VpcId",)
    ATTRIBUTES = {"Id": "physical_id"}  # noqa: RUF012

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "NetworkAcl":
        backend = ec2(scope)
        acl = backend.create_network_acl(properties["VpcId"])
        for egress in (False, True):
            backend.create_network_acl_entry(
                acl.id,
                CATCH_ALL_RULE,
                "-1",
                "deny",
                egress,
                "0.0.0.0/0",
                None,
                None,
                None,
                None,
                None,
            )
        tag(scope, acl.id, properties)
        return cls(scope, acl.id, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        retag(self.scope, self.physical_id, self.properties, properties)
        self.properties = properties
        return self

    def destroy(self) -> None:
        if self.physical_id in ec2(self.scope).network_acls:
            ec2(self.scope).delete_network_acl(self.physical_id)


@register
class NetworkAclEntry(EmulatedResource):
    """AWS::EC2::NetworkAclEntry: one rule of an ACL."""

    TYPE = "AWS::EC2::NetworkAclEntry"

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "NetworkAclEntry":
        ports = properties.get("PortRange") or {}
        icmp = properties.get("Icmp") or {}
        ec2(scope).create_network_acl_entry(
            network_acl_id=properties["NetworkAclId"],
            rule_number=int(properties["RuleNumber"]),
            protocol=str(properties["Protocol"]),
            rule_action=properties["RuleAction"],
            egress=as_bool(properties.get("Egress", False)),
            cidr_block=properties.get("CidrBlock"),
            icmp_code=icmp.get("Code"),
            icmp_type=icmp.get("Type"),
            port_range_from=ports.get("From"),
            port_range_to=ports.get("To"),
            ipv6_cidr_block=properties.get("Ipv6CidrBlock"),
        )
        egress = "egress" if as_bool(properties.get("Egress", False)) else "ingress"
        physical_id = f"{properties['NetworkAclId']}-{egress}-{int(properties['RuleNumber'])}"
        return cls(scope, physical_id, properties)

    def destroy(self) -> None:
        acl = ec2(self.scope).network_acls.get(self.properties["NetworkAclId"])
        if acl is None:
            return
        egress = as_bool(self.properties.get("Egress", False))
        number = int(self.properties["RuleNumber"])
        acl.network_acl_entries = [
            e
            for e in acl.network_acl_entries
            if not (e.egress == egress and int(e.rule_number) == number)
        ]


@register
class SubnetNetworkAclAssociation(EmulatedResource):
    """AWS::EC2::SubnetNetworkAclAssociation: Ref and GetAtt AssociationId."""

    TYPE = "AWS::EC2::SubnetNetworkAclAssociation"
    ATTRIBUTES = {"AssociationId": "physical_id"}  # noqa: RUF012

    @classmethod
    def create(
        cls, scope: Scope, name: str, properties: dict[str, Any]
    ) -> "SubnetNetworkAclAssociation":
        backend = ec2(scope)
        current = _association_of(scope, properties["SubnetId"])
        association = backend.replace_network_acl_association(current, properties["NetworkAclId"])
        return cls(scope, association.id, properties)

    def destroy(self) -> None:
        backend = ec2(self.scope)
        subnet_id = self.properties["SubnetId"]
        if _association_of(self.scope, subnet_id, missing_ok=True) != self.physical_id:
            return
        acl = backend.network_acls[self.properties["NetworkAclId"]]
        default = next(
            (a for a in backend.network_acls.values() if a.default and a.vpc_id == acl.vpc_id),
            None,
        )
        if default is None:  # the VPC is gone: nothing to move the subnet back to
            acl._associations.pop(self.physical_id, None)
        else:
            backend.replace_network_acl_association(self.physical_id, default.id)


def _association_of(scope: Scope, subnet_id: str, missing_ok: bool = False) -> str:
    """The id of the association that ties `subnet_id` to its current network ACL."""
    for acl in ec2(scope).network_acls.values():
        for association_id, association in acl._associations.items():
            if association.subnet_id == subnet_id:
                return association_id
    if missing_ok:
        return ""
    raise LookupError(f"subnet {subnet_id} has no network ACL association")
