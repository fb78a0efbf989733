"""The S3 gateway endpoint of a private VPC (network stack): S3 without a NAT, through the
private route tables, under its data-perimeter policy (tapstack_blocks.endpoint_policies). The
project's buckets admit this project's code only through it (storage stack)."""

from troposphere import Ref, Sub, Template
from troposphere.ec2 import RouteTable, VPCEndpoint

from tapstack_blocks.endpoint_policies import endpoint_policy
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.subnets import per_az


def add_s3_gateway_endpoint(template: Template, vpc_id: Ref, route_tables: list[RouteTable]):
    """The S3 gateway endpoint on every private route table, exported as S3GatewayEndpointId."""
    endpoint = template.add_resource(
        VPCEndpoint(
            "S3GatewayEndpoint",
            VpcId=vpc_id,
            ServiceName=Sub("com.amazonaws.${AWS::Region}.s3"),
            VpcEndpointType="Gateway",
            RouteTableIds=per_az([Ref(table) for table in route_tables]),
            PolicyDocument=endpoint_policy("s3"),
        )
    )
    add_exported_output(
        template,
        "S3GatewayEndpointId",
        Ref(endpoint),
        "The S3 gateway endpoint: the project's buckets admit this project's code only through it",
    )
    return endpoint
