"""AWS::EC2::VPCEndpoint: gateway and interface endpoints with a JSON policy document.

moto's model stores a PolicyDocument given as an object as Python's repr of a dict (so
DescribeVpcEndpoints returns text that is not JSON), cannot update, and leaves deleted
endpoints listed.
"""

import json
from typing import Any

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.ec2_common import as_bool, ec2, retag, tag
from tapstack_emulator.registry import register


@register
class VpcEndpoint(EmulatedResource):
    """AWS::EC2::VPCEndpoint: Ref is the endpoint id; GetAtt Id, DnsEntries, ..."""

    TYPE = "AWS::EC2::VPCEndpoint"
    REPLACED_BY = ("VpcId", "ServiceName", "VpcEndpointType")
    ATTRIBUTES = {  # noqa: RUF012
        "Id": "physical_id",
        "DnsEntries": "dns_entries",
        "NetworkInterfaceIds": "network_interface_ids",
        "CreationTimestamp": "creation_timestamp",
    }

    @property
    def _endpoint(self) -> Any:
        return ec2(self.scope).vpc_end_points[self.physical_id]

    @property
    def dns_entries(self) -> list[str]:
        return [f"{e['hosted_zone_id']}:{e['dns_name']}" for e in self._endpoint.dns_entries]

    @property
    def network_interface_ids(self) -> list[str]:
        return list(self._endpoint.network_interface_ids or [])

    @property
    def creation_timestamp(self) -> str:
        return str(self._endpoint.creation_timestamp)

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "VpcEndpoint":
        endpoint_type = properties.get("VpcEndpointType", "Gateway")
        interface = endpoint_type.lower() == "interface"
        policy = properties.get("PolicyDocument")
        endpoint = ec2(scope).create_vpc_endpoint(
            vpc_id=properties["VpcId"],
            service_name=properties["ServiceName"],
            endpoint_type=endpoint_type,
            policy_document=policy
            if policy is None or isinstance(policy, str)
            else json.dumps(policy),
            route_table_ids=properties.get("RouteTableIds", []),
            subnet_ids=properties.get("SubnetIds", []),
            security_group_ids=properties.get("SecurityGroupIds", []),
            private_dns_enabled=as_bool(properties.get("PrivateDnsEnabled", False))
            if interface
            else None,
        )
        tag(scope, endpoint.id, properties)
        return cls(scope, endpoint.id, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        old, new = self.properties, properties

        def added(key: str) -> list[str]:
            return sorted(set(new.get(key, [])) - set(old.get(key, [])))

        def removed(key: str) -> list[str]:
            return sorted(set(old.get(key, [])) - set(new.get(key, [])))

        policy = new.get("PolicyDocument")
        ec2(self.scope).modify_vpc_endpoint(
            vpc_id=self.physical_id,
            policy_doc=policy if policy is None or isinstance(policy, str) else json.dumps(policy),
            add_subnets=added("SubnetIds"),
            remove_subnets=removed("SubnetIds"),
            remove_route_tables=removed("RouteTableIds"),
            add_route_tables=added("RouteTableIds"),
            add_security_groups=added("SecurityGroupIds"),
            remove_security_groups=removed("SecurityGroupIds"),
        )
        if "PrivateDnsEnabled" in new:
            self._endpoint.private_dns_enabled = as_bool(new["PrivateDnsEnabled"])
        retag(self.scope, self.physical_id, old, new)
        self.properties = properties
        return self

    def destroy(self) -> None:
        backend = ec2(self.scope)
        if self.physical_id in backend.vpc_end_points:
            backend.delete_vpc_endpoints([self.physical_id])
            backend.vpc_end_points.pop(self.physical_id, None)
