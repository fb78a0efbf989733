"""Interface VPC endpoints (endpoints stack): AWS APIs reached from a private VPC without a NAT,
with private DNS, each under its data-perimeter policy (tapstack_blocks.endpoint_policies). The
STS and Secrets Manager endpoints admit the prod sync's cross-account calls for exactly the
sync-target roles, and only when some are given (condition HasSyncTargets)."""

from dataclasses import dataclass

from troposphere import AWSHelperFn, Equals, Join, Not, Parameter, Ref, Sub, Template
from troposphere.ec2 import VPCEndpoint

from tapstack_blocks.endpoint_policies import endpoint_policy
from tapstack_blocks.naming import resource_name
from tapstack_blocks.tags import name_tags

HAS_SYNC_TARGETS = "HasSyncTargets"
SYNC_TARGET_ROLE_ARNS_PATTERN = r"^(arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,64})?$"


@dataclass(frozen=True)
class EndpointPlacement:
    """Where the interface endpoints go: the VPC, its private subnets, the endpoints' group."""

    vpc_id: AWSHelperFn
    subnet_ids: AWSHelperFn
    security_group_id: AWSHelperFn


def add_sync_targets(template: Template) -> Ref:
    """SyncTargetRoleArns (empty but in prod/us-east-1) and the condition HasSyncTargets."""
    target_roles = template.add_parameter(
        Parameter(
            "SyncTargetRoleArns",
            Type="CommaDelimitedList",
            Default="",
            AllowedPattern=SYNC_TARGET_ROLE_ARNS_PATTERN,
            ConstraintDescription="must be empty or a comma-separated list of IAM role ARNs",
            Description="prod/us-east-1 only: the sync-target roles the sync assumes; the STS "
            "and Secrets Manager endpoints admit exactly these cross-account calls. Empty: "
            "this account's principals and resources only.",
        )
    )
    template.add_condition(HAS_SYNC_TARGETS, Not(Equals(Join("", Ref(target_roles)), "")))
    return Ref(target_roles)


def interface_endpoint_id(service: str) -> str:
    """The logical id of `service`'s interface endpoint (StsInterfaceEndpoint, ...)."""
    return f"{service.capitalize()}InterfaceEndpoint"


def add_interface_endpoints(
    template: Template,
    placement: EndpointPlacement,
    services: list[str],
    sync_target_roles: Ref,
) -> list[VPCEndpoint]:
    """One interface endpoint per service with private DNS, named `{service}-endpoint`; the
    policies admit the sync-target roles only under condition HasSyncTargets."""
    return [
        template.add_resource(
            VPCEndpoint(
                interface_endpoint_id(service),
                VpcId=placement.vpc_id,
                ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                VpcEndpointType="Interface",
                PrivateDnsEnabled=True,
                SubnetIds=placement.subnet_ids,
                SecurityGroupIds=[placement.security_group_id],
                PolicyDocument=endpoint_policy(service, sync_target_roles, HAS_SYNC_TARGETS),
                Tags=name_tags(resource_name(f"{service}-endpoint")),
            )
        )
        for service in services
    ]
