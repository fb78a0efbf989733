"""E9004: no internet path. tapstack's VPCs are private: no internet or NAT gateway, no elastic
or public IP, no public subnet or database, no route to 0.0.0.0/0 or ::/0 (AWS APIs are reached
through VPC endpoints)."""

from typing import ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

GATEWAYS = (
    "AWS::EC2::InternetGateway",
    "AWS::EC2::EgressOnlyInternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
)
# (resource type, property, the value that opens a path to the internet)
PUBLIC_SETTINGS = (
    ("AWS::EC2::Subnet", "MapPublicIpOnLaunch", True),
    ("AWS::RDS::DBInstance", "PubliclyAccessible", True),
    ("AWS::EC2::Route", "DestinationCidrBlock", "0.0.0.0/0"),
    ("AWS::EC2::Route", "DestinationIpv6CidrBlock", "::/0"),
)


class NoInternetPath(CloudFormationLintRule):
    """A gateway, public address or default route that would reach the internet."""

    id = "E9004"
    shortdesc = "No internet path"
    description = "No IGW, NAT, EIP, public subnet or database, nor 0.0.0.0/0 or ::/0 route"
    source_url = "docs/architecture.md#project-policy-as-cfn-lint-rules"
    tags: ClassVar[list[str]] = ["tapstack", "network"]

    def match(self, cfn):
        """Each resource that opens a path to the internet."""
        matches = []
        for logical_id, resource in cfn.template.get("Resources", {}).items():
            kind = resource.get("Type")
            properties = resource.get("Properties", {})
            if kind in GATEWAYS:
                message = f"{logical_id}: {kind} is a path to the internet"
                matches.append(RuleMatch(["Resources", logical_id, "Type"], message))
            if kind == "AWS::EC2::VPCGatewayAttachment" and "InternetGatewayId" in properties:
                message = f"{logical_id}: attaches an internet gateway"
                matches.append(RuleMatch(["Resources", logical_id, "Properties"], message))
            for public_kind, key, value in PUBLIC_SETTINGS:
                if kind == public_kind and properties.get(key) in (value, str(value).lower()):
                    path = ["Resources", logical_id, "Properties", key]
                    matches.append(RuleMatch(path, f"{logical_id}: {key} {value!r}"))
        return matches
