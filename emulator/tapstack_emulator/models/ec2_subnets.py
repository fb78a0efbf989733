"""AWS::EC2::Subnet and AWS::EC2::RouteTable with updates and deletion.

moto's models create both, but neither can be updated or deleted through CloudFormation
(moto silently skips the delete, so the VPC can never be deleted), and moto's subnet
answers no Fn::GetAtt at all.
"""

from typing import Any

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.ec2_common import as_bool, ec2, retag, tag
from tapstack_emulator.registry import register


@register
class Subnet(EmulatedResource):
    """AWS::EC2::Subnet: Ref is the subnet id; GetAtt AvailabilityZone, CidrBlock, VpcId, ..."""

    TYPE = "AWS::EC2::Subnet"
    ATTRIBUTES = {  # noqa: RUF012
        "SubnetId": "physical_id",
        "AvailabilityZone": "availability_zone",
        "AvailabilityZoneId": "availability_zone_id",
        "CidrBlock": "cidr_block",
        "VpcId": "vpc_id",
        "NetworkAclAssociationId": "network_acl_association_id",
    }
    REPLACED_BY = ("VpcId", "CidrBlock", "AvailabilityZone", "AvailabilityZoneId", "Ipv6CidrBlock")

    @property
    def _subnet(self) -> Any:
        return ec2(self.scope).get_subnet(self.physical_id)

    @property
    def availability_zone(self) -> str:
        return self._subnet.availability_zone

    @property
    def availability_zone_id(self) -> str:
        return self._subnet.availability_zone_id

    @property
    def cidr_block(self) -> str:
        return self._subnet.cidr_block

    @property
    def vpc_id(self) -> str:
        return self._subnet.vpc_id

    @property
    def network_acl_association_id(self) -> str:
        for acl in ec2(self.scope).network_acls.values():
            for association_id, association in acl._associations.items():
                if association.subnet_id == self.physical_id:
                    return association_id
        return ""

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Subnet":
        subnet = ec2(scope).create_subnet(
            vpc_id=properties["VpcId"],
            cidr_block=properties["CidrBlock"],
            ipv6_cidr_block=properties.get("Ipv6CidrBlock"),
            availability_zone=properties.get("AvailabilityZone"),
            availability_zone_id=properties.get("AvailabilityZoneId"),
        )
        resource = cls(scope, subnet.id, {})
        tag(scope, subnet.id, properties)
        resource.set_attributes(properties)
        resource.properties = properties
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        retag(self.scope, self.physical_id, self.properties, properties)
        self.set_attributes(properties)
        self.properties = properties
        return self

    def set_attributes(self, properties: dict[str, Any]) -> None:
        """MapPublicIpOnLaunch (default false)."""
        public = as_bool(properties.get("MapPublicIpOnLaunch", False))
        ec2(self.scope).modify_subnet_attribute(self.physical_id, "map_public_ip_on_launch", public)

    def destroy(self) -> None:
        backend = ec2(self.scope)
        try:
            backend.get_subnet(self.physical_id)
        except Exception:
            return
        backend.delete_subnet(self.physical_id)
        for acl in backend.network_acls.values():  # EC2 drops the subnet's ACL association
            for association_id, association in list(acl._associations.items()):
                if association.subnet_id == self.physical_id:
                    del acl._associations[association_id]


@register
class RouteTable(EmulatedResource):
    """AWS::EC2::RouteTable: Ref and GetAtt RouteTableId."""

    TYPE = "AWS::EC2::RouteTable"
    REPLACED_BY = ("VpcId",)
    ATTRIBUTES = {"RouteTableId": "physical_id"}  # noqa: RUF012

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "RouteTable":
        table = ec2(scope).create_route_table(properties["VpcId"])
        tag(scope, table.id, properties)
        return cls(scope, table.id, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        retag(self.scope, self.physical_id, self.properties, properties)
        self.properties = properties
        return self

    def destroy(self) -> None:
        backend = ec2(self.scope)
        if self.physical_id in backend.route_tables:
            backend.delete_route_table(self.physical_id)
