"""The VPC's default security group left with no rules (Custom::DefaultSecurityGroupLockdown).

CloudFormation cannot manage a VPC's default group, which EC2 creates open (all egress, all
ingress from itself). AWS's control for it (Security Hub EC2.2, "VPC default security groups
should not allow inbound or outbound traffic") is met with a small custom resource:
lambda/default_security_group revokes every rule, on create and on every update. It lives in
the database stack, whose custom resources reach EC2 through the interface endpoints (endpoints
stack) while it deploys.
"""

from awacs import ec2
from awacs.aws import Allow, Statement
from troposphere import GetAtt, Parameter, Ref, Sub, Template

from tapstack_blocks.custom_resources import DefaultSecurityGroupLockdown
from tapstack_blocks.functions import FunctionSpec, VpcPlacement, add_vpc_function
from tapstack_blocks.images import image_uri_parameter


def add_default_group_lockdown(template: Template, placement: VpcPlacement) -> None:
    """Parameters DefaultSecurityGroupId and DefaultSecurityGroupImageUri, the function and
    the custom resource that empties the group."""
    group = template.add_parameter(
        Parameter(
            "DefaultSecurityGroupId",
            Type="AWS::EC2::SecurityGroup::Id",
            Description="The VPC's default security group (network stack), left with no rules.",
            ConstraintDescription="must be a security group id",
        )
    )
    image = template.add_parameter(
        image_uri_parameter("DefaultSecurityGroupImageUri", "default-security-group")
    )
    function = add_vpc_function(
        template,
        FunctionSpec(
            logical_id="DefaultSecurityGroupFunction",
            name="default-sg",
            description="Custom::DefaultSecurityGroupLockdown: the VPC's default group, no rules",
            handler="tapstack_default_security_group.handler.handler",
            image_uri=Ref(image),
            statements=[
                Statement(
                    Sid="RevokeTheDefaultGroupsRules",
                    Effect=Allow,
                    Action=[ec2.RevokeSecurityGroupIngress, ec2.RevokeSecurityGroupEgress],
                    Resource=[
                        Sub(
                            "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:"
                            "security-group/${DefaultSecurityGroupId}"
                        )
                    ],
                ),
                Statement(
                    Sid="DescribeSecurityGroups",
                    Effect=Allow,
                    Action=[ec2.DescribeSecurityGroups],
                    Resource=["*"],  # Describe* actions have no resource type
                ),
            ],
        ),
        placement,
    )
    template.add_resource(
        DefaultSecurityGroupLockdown(
            "DefaultSecurityGroupLockdown",
            ServiceToken=GetAtt(function, "Arn"),
            GroupId=Ref(group),
        )
    )
