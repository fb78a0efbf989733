"""A private VPC's way to AWS without a NAT (network stack): the S3 gateway endpoint and the
interface endpoints (private DNS), each with its data-perimeter policy
(tapstack_blocks.endpoint_policies)."""

from dataclasses import dataclass

from troposphere import AWSHelperFn, Ref, Sub, Template
from troposphere.ec2 import VPCEndpoint

from tapstack_blocks.endpoint_policies import endpoint_policy
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.subnets import per_az

HAS_SYNC_TARGETS = "HasSyncTargets"


@dataclass(frozen=True)
class EndpointPlacement:
    """Where the endpoints go: the VPC, its subnets and route tables, the endpoints' group."""

    vpc_id: AWSHelperFn
    subnets: list
    route_tables: list
    security_group: object


def add_vpc_endpoints(
    template: Template,
    placement: EndpointPlacement,
    interface_services: list[str],
    sync_target_roles: Ref,
) -> None:
    """The S3 gateway and interface endpoints, each with its data-perimeter policy; the
    interface endpoints admit the sync-target roles only under condition HasSyncTargets."""
    s3_endpoint = template.add_resource(
        VPCEndpoint(
            "S3GatewayEndpoint",
            VpcId=placement.vpc_id,
            ServiceName=Sub("com.amazonaws.${AWS::Region}.s3"),
            VpcEndpointType="Gateway",
            RouteTableIds=per_az([Ref(table) for table in placement.route_tables]),
            PolicyDocument=endpoint_policy("s3"),
        )
    )
    add_exported_output(
        template,
        "S3GatewayEndpointId",
        Ref(s3_endpoint),
        "The S3 gateway endpoint: the project's buckets admit this project's code only through it",
    )
    for service in interface_services:
        template.add_resource(
            VPCEndpoint(
                f"{service.capitalize()}InterfaceEndpoint",
                VpcId=placement.vpc_id,
                ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                VpcEndpointType="Interface",
                PrivateDnsEnabled=True,
                SubnetIds=per_az([Ref(subnet) for subnet in placement.subnets]),
                SecurityGroupIds=[Ref(placement.security_group)],
                PolicyDocument=endpoint_policy(service, sync_target_roles, HAS_SYNC_TARGETS),
            )
        )
