"""Subnet layout: one private subnet per AZ, CIDRs sliced from the VPC CIDR by Fn::Cidr.

A /16 VPC is cut into /20 blocks; subnet i takes block i in AZ i. The third AZ exists only
where the AzCount parameter says 3 (condition HasThirdAz), so one template serves every
environment.
"""

from troposphere import AWSHelperFn, Cidr, Equals, GetAZs, If, Ref, Select, Template
from troposphere.ec2 import Subnet

from tapstack_blocks.naming import resource_name
from tapstack_blocks.tags import name_tags

MAX_AZS = 3
SUBNET_HOST_BITS = 12  # /20 subnets in a /16 VPC: 4,096 addresses each
HAS_THIRD_AZ = "HasThirdAz"


def add_third_az_condition(template: Template, az_count: AWSHelperFn) -> str:
    """Add HasThirdAz (the AzCount parameter `az_count` says 3) and return its name."""
    template.add_condition(HAS_THIRD_AZ, Equals(az_count, "3"))
    return HAS_THIRD_AZ


def subnet_cidr(vpc_cidr: AWSHelperFn, index: int) -> Select:
    """The CIDR of subnet `index`: the index-th /20 block of the VPC CIDR."""
    return Select(index, Cidr(vpc_cidr, MAX_AZS + 1, SUBNET_HOST_BITS))


def add_private_subnets(
    template: Template, vpc: AWSHelperFn, vpc_cidr: AWSHelperFn
) -> list[Subnet]:
    """One private subnet per AZ; the third one conditional on HasThirdAz."""
    subnets = []
    for index in range(MAX_AZS):
        subnet = Subnet(
            f"PrivateSubnet{index + 1}",
            VpcId=vpc,
            CidrBlock=subnet_cidr(vpc_cidr, index),
            AvailabilityZone=Select(index, GetAZs(Ref("AWS::Region"))),
            MapPublicIpOnLaunch=False,
            Tags=name_tags(resource_name(f"private-{index + 1}"), Tier="private"),
        )
        if index == MAX_AZS - 1:
            subnet.Condition = HAS_THIRD_AZ
        subnets.append(template.add_resource(subnet))
    return subnets


def per_az(values: list[AWSHelperFn]) -> If:
    """A list over the AZs in use: all three with HasThirdAz, else the first two."""
    return If(HAS_THIRD_AZ, values, values[: MAX_AZS - 1])


def listed_route_tables(route_table_ids: AWSHelperFn) -> list[tuple[Select, str | None]]:
    """(route table, condition it exists under) per AZ, picked from a comma-separated list of
    the private route tables (the network stack's PrivateRouteTableIds): the third only with
    HasThirdAz."""
    return [
        (Select(index, route_table_ids), HAS_THIRD_AZ if index == MAX_AZS - 1 else None)
        for index in range(MAX_AZS)
    ]
