"""AWS::EC2::VPC with its DNS attributes, and AWS::EC2::SubnetRouteTableAssociation.

moto's VPC model ignores EnableDnsSupport / EnableDnsHostnames and cannot update. moto's
route-table association model records the association where DescribeRouteTables never shows
it, and cannot delete it (so the route table cannot be deleted either).
"""

from typing import Any

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.ec2_common import as_bool, ec2, retag, tag
from tapstack_emulator.registry import register


@register
class Vpc(EmulatedResource):
    """AWS::EC2::VPC: Ref is the VPC id; GetAtt CidrBlock, VpcId, DefaultSecurityGroup, ..."""

    TYPE = "AWS::EC2::VPC"
    REPLACED_BY = ("CidrBlock", "InstanceTenancy")
    ATTRIBUTES = {  # noqa: RUF012
        "VpcId": "physical_id",
        "CidrBlock": "cidr_block",
        "CidrBlockAssociations": "cidr_block_associations",
        "DefaultSecurityGroup": "default_security_group",
        "DefaultNetworkAcl": "default_network_acl",
        "Ipv6CidrBlocks": "ipv6_cidr_blocks",
    }

    @property
    def _vpc(self) -> Any:
        return ec2(self.scope).get_vpc(self.physical_id)

    @property
    def cidr_block(self) -> str:
        return self._vpc.cidr_block

    @property
    def cidr_block_associations(self) -> list[str]:
        return [a["association_id"] for a in self._vpc.get_cidr_block_association_set()]

    @property
    def default_security_group(self) -> str:
        return ec2(self.scope).get_security_group_from_name("default", vpc_id=self.physical_id).id

    @property
    def default_network_acl(self) -> str:
        acls = ec2(self.scope).network_acls.values()
        return next(a.id for a in acls if a.default and a.vpc_id == self.physical_id)

    @property
    def ipv6_cidr_blocks(self) -> list[str]:
        return [a["cidr_block"] for a in self._vpc.get_cidr_block_association_set(ipv6=True)]

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Vpc":
        vpc = ec2(scope).create_vpc(
            cidr_block=properties["CidrBlock"],
            instance_tenancy=properties.get("InstanceTenancy", "default"),
        )
        resource = cls(scope, vpc.id, {})
        tag(scope, vpc.id, properties)
        resource.set_attributes(properties)
        resource.properties = properties
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        retag(self.scope, self.physical_id, self.properties, properties)
        self.set_attributes(properties)
        self.properties = properties
        return self

    def set_attributes(self, properties: dict[str, Any]) -> None:
        """EnableDnsSupport (default true) and EnableDnsHostnames (default false)."""
        backend = ec2(self.scope)
        support = as_bool(properties.get("EnableDnsSupport", True))
        backend.modify_vpc_attribute(self.physical_id, "enable_dns_support", support)
        hostnames = as_bool(properties.get("EnableDnsHostnames", False))
        backend.modify_vpc_attribute(self.physical_id, "enable_dns_hostnames", hostnames)

    def destroy(self) -> None:
        backend = ec2(self.scope)
        if self.physical_id not in backend.vpcs:
            return
        backend.delete_vpc(self.physical_id)
        for acl in list(backend.network_acls.values()):  # EC2 deletes the default ACL with it
            if acl.vpc_id == self.physical_id and acl.default:
                backend.network_acls.pop(acl.id)


@register
class SubnetRouteTableAssociation(EmulatedResource):
    """AWS::EC2::SubnetRouteTableAssociation: Ref and GetAtt Id are the association id."""

    TYPE = "AWS::EC2::SubnetRouteTableAssociation"
    ATTRIBUTES = {"Id": "physical_id"}  # noqa: RUF012

    @classmethod
    def create(
        cls, scope: Scope, name: str, properties: dict[str, Any]
    ) -> "SubnetRouteTableAssociation":
        association_id = ec2(scope).associate_route_table(
            properties["RouteTableId"], subnet_id=properties["SubnetId"]
        )
        return cls(scope, association_id, properties)

    def destroy(self) -> None:
        table = ec2(self.scope).route_tables.get(self.properties["RouteTableId"])
        if table is not None and self.physical_id in table._associations:
            ec2(self.scope).disassociate_route_table(self.physical_id)
