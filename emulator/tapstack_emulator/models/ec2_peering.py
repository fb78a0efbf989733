"""AWS::EC2::VPCPeeringConnection across accounts, and AWS::EC2::Route with update and delete.

moto's peering model looks the peer VPC up in the requester's own account (so every
cross-account request fails), ignores PeerOwnerId, PeerRegion, PeerRoleArn and Tags, and can
be neither updated nor deleted; moto's route cannot be updated or deleted either.
"""

from typing import Any

from moto.ec2.models import ec2_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.ec2_common import ec2, retag, tag
from tapstack_emulator.registry import register

ROUTE_TARGETS = {  # CloudFormation property -> moto create_route/replace_route keyword
    "VpcPeeringConnectionId": "vpc_peering_connection_id",
    "GatewayId": "gateway_id",
    "NatGatewayId": "nat_gateway_id",
    "TransitGatewayId": "transit_gateway_id",
    "InstanceId": "instance_id",
    "NetworkInterfaceId": "interface_id",
    "EgressOnlyInternetGatewayId": "egress_only_igw_id",
}


@register
class VpcPeeringConnection(EmulatedResource):
    """A peering request from VpcId to PeerVpcId in PeerOwnerId's account and PeerRegion.

    Without PeerRoleArn the connection stays pending-acceptance until the accepter accepts it
    (the accept_vpc_peering hook); with it, CloudFormation accepts through that role, as here.
    """

    TYPE = "AWS::EC2::VPCPeeringConnection"
    # every property but Tags ("Update requires: Replacement")
    REPLACED_BY = ("VpcId", "PeerVpcId", "PeerOwnerId", "PeerRegion", "PeerRoleArn")
    ATTRIBUTES = {"Id": "physical_id"}  # noqa: RUF012

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "VpcPeeringConnection":
        backend = ec2(scope)
        peer_account = str(properties.get("PeerOwnerId") or scope.account_id)
        peer_region = properties.get("PeerRegion") or scope.region_name
        vpc = backend.get_vpc(properties["VpcId"])
        peer_vpc = ec2_backends[peer_account][peer_region].get_vpc(properties["PeerVpcId"])
        connection = backend.create_vpc_peering_connection(vpc, peer_vpc)
        if properties.get("PeerRoleArn"):
            connection._status.accept()
        tag(scope, connection.id, properties)
        return cls(scope, connection.id, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        retag(self.scope, self.physical_id, self.properties, properties)
        self.properties = properties
        return self

    def destroy(self) -> None:
        backend = ec2(self.scope)
        if self.physical_id in backend.vpc_pcxs:
            backend.delete_vpc_peering_connection(self.physical_id)


@register
class Route(EmulatedResource):
    """A route; its target changes in place (ReplaceRoute), its table or destination replace it."""

    TYPE = "AWS::EC2::Route"
    REPLACED_BY = ("RouteTableId", "DestinationCidrBlock")

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Route":
        route = ec2(scope).create_route(
            route_table_id=properties["RouteTableId"],
            destination_cidr_block=properties["DestinationCidrBlock"],
            **_targets(properties),
        )
        return cls(scope, route.id, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        ec2(self.scope).replace_route(
            route_table_id=properties["RouteTableId"],
            destination_cidr_block=properties["DestinationCidrBlock"],
            **_targets(properties),
        )
        self.properties = properties
        return self

    def destroy(self) -> None:
        backend = ec2(self.scope)
        table = backend.route_tables.get(self.properties["RouteTableId"])
        if table is not None and self.physical_id in table._routes:
            backend.delete_route(
                self.properties["RouteTableId"], self.properties["DestinationCidrBlock"]
            )


def _targets(properties: dict[str, Any]) -> dict[str, str]:
    return {
        keyword: properties[name] for name, keyword in ROUTE_TARGETS.items() if name in properties
    }
