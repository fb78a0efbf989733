"""Security-group rules the templates share: a group with no egress, and TCP from one group to
another written as the pair AWS needs (egress on the sender, ingress on the receiver)."""

from troposphere import AWSHelperFn, Template
from troposphere.ec2 import SecurityGroupEgress, SecurityGroupIngress, SecurityGroupRule

# Egress only to loopback replaces a security group's default allow-all egress: no egress.
NO_EGRESS = SecurityGroupRule(IpProtocol="-1", CidrIp="127.0.0.1/32", Description="none")


def allow_tcp_between_groups(
    template: Template,
    *,
    port: int,
    sender: AWSHelperFn,
    receiver: AWSHelperFn,
    egress: tuple[str, str],
    ingress: tuple[str, str],
) -> None:
    """Let `sender` open TCP `port` to `receiver`: `egress` and `ingress` are each
    (logical id, description) of the rule on the sending and on the receiving group."""
    template.add_resource(
        SecurityGroupEgress(
            egress[0],
            GroupId=sender,
            IpProtocol="tcp",
            FromPort=port,
            ToPort=port,
            DestinationSecurityGroupId=receiver,
            Description=egress[1],
        )
    )
    template.add_resource(
        SecurityGroupIngress(
            ingress[0],
            GroupId=receiver,
            IpProtocol="tcp",
            FromPort=port,
            ToPort=port,
            SourceSecurityGroupId=sender,
            Description=ingress[1],
        )
    )
