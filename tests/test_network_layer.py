"""Every port and protocol (tapstack_tools.network_layer): the NACLs carry only MySQL and its
replies
between prod and staging/dev, the security groups nothing at all; the proof fails closed on
what it cannot evaluate, and catches each breaking rule below added to a copy of a real
template."""

import copy
import ipaddress

import pytest
from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan
from sceptre.resolvers.stack_output import StackOutput
from tapstack_blocks.subnets import MAX_AZS, SUBNET_HOST_BITS
from tapstack_resolvers.account_role import AccountRole
from tapstack_resolvers.managed_prefix_list import ManagedPrefixList as PrefixListResolver
from tapstack_tools.network_layer import ManagedPrefixList, OwnVpcGroup, violations
from tapstack_tools.reachability import Facts, StackInput, Unknown
from tapstack_tools.rendered_templates import PROJECT_DIR


def static_value(value, group: str):
    """A parameter value as far as config decides it; AWS-backed values are unknown, except
    an AWS-managed prefix list and a security group of the group's own network stack."""
    if isinstance(value, list):
        return [static_value(item, group) for item in value]
    if isinstance(value, AccountRole):
        return value.resolve()
    if isinstance(value, PrefixListResolver):
        return ManagedPrefixList(value.argument)
    if isinstance(value, StackOutput):
        stack, _, output = str(value.argument).partition("::")
        if stack == f"{group}/network.yaml" and output.endswith("SecurityGroupId"):
            return OwnVpcGroup(output)
    if isinstance(value, str):
        return value
    return Unknown(str(value))


@pytest.fixture(scope="module")
def stacks(documents) -> list[StackInput]:
    context = SceptreContext(
        project_path=str(PROJECT_DIR), command_path="", ignore_dependencies=True
    )
    return [
        StackInput(
            name=stack.name,
            environment=stack.stack_group_config["environment"],
            region=stack.region,
            document=documents[stack.name],
            parameters={
                key: static_value(value, stack.name.rsplit("/", 1)[0])
                for key, value in stack._parameters.items()
            },
        )
        for stack in sorted(SceptrePlan(context).command_stacks, key=lambda s: s.name)
    ]


@pytest.fixture(scope="module")
def facts(stacks) -> Facts:
    context = SceptreContext(project_path=str(PROJECT_DIR), command_path="")
    config = SceptrePlan(context).command_stacks.pop().stack_group_config
    plan = config["address_plan"]
    prod = ipaddress.IPv4Network(plan["prod"]["us-east-1"])
    return Facts(
        accounts={env: str(account) for env, account in config["accounts"].items()},
        prod_cidrs=[ipaddress.IPv4Network(cidr) for cidr in plan["prod"].values()],
        other_cidrs=[
            ipaddress.IPv4Network(cidr)
            for env, regions in plan.items()
            if env != "prod"
            for cidr in regions.values()
        ],
        sync_subnets=list(prod.subnets(new_prefix=32 - SUBNET_HOST_BITS))[:MAX_AZS],
    )


def test_the_network_layer_carries_only_mysql_and_its_replies(stacks, facts):
    assert violations(stacks, facts) == []


def test_the_peering_entries_are_in_the_proof(stacks, facts):
    # staging's accepter side and prod's side of both peerings are evaluated, not skipped
    names = {stack.name for stack in stacks}
    assert {"staging/us-east-1/peering-accepter", "prod/us-east-1/peering"} <= names
    (accepter,) = [s for s in stacks if s.name == "staging/us-east-1/peering-accepter"]
    kinds = [r["Type"] for r in accepter.document["Resources"].values()]
    assert kinds.count("AWS::EC2::NetworkAclEntry") > 5
    assert isinstance(accepter.parameters["DatabaseSecurityGroupId"], OwnVpcGroup)
    (network,) = [s for s in stacks if s.name == "staging/us-east-1/network"]
    assert isinstance(network.parameters["S3PrefixListId"], ManagedPrefixList)


def nacl(number: int, egress: bool, protocol: str, cidr, action: str = "allow", ports=None):
    props = {
        "NetworkAclId": {"Ref": "PrivateNetworkAcl"},
        "RuleNumber": number,
        "Egress": egress,
        "Protocol": protocol,
        "CidrBlock": cidr,
        "RuleAction": action,
    }
    if ports:
        props["PortRange"] = {"From": ports[0], "To": ports[1]}
    return {"Type": "AWS::EC2::NetworkAclEntry", "Properties": props}


def egress(**rule):
    return {
        "Type": "AWS::EC2::SecurityGroupEgress",
        "Properties": {"GroupId": {"Ref": "LambdaSecurityGroup"}, **rule},
    }


PROD_CIDR = "10.3.0.0/16"
BREAKING_RULES = [
    pytest.param(
        "staging/us-east-1/network",
        "Extra",
        egress(IpProtocol="tcp", FromPort=5432, ToPort=5432, CidrIp=PROD_CIDR),
        "security group egress to 10.3.0.0/16",
        id="sg-egress-postgres-to-prod",
    ),
    pytest.param(
        "dev/us-east-1/network",
        "Extra",
        egress(IpProtocol="udp", FromPort=53, ToPort=53, CidrIp="10.3.2.0/24"),
        "security group egress to 10.3.2.0/24",
        id="sg-egress-udp-to-a-prod-subnet",
    ),
    pytest.param(
        "staging/us-east-1/peering-accepter",
        "PrivateNetworkAclOutboundDenyAllOtherPeerVpc",
        None,
        "NACL admits protocol 6 ports 443-443 to 10.3.0.0/16",
        id="nacl-deny-removed-https-leaks-through-own-rule",
    ),
    pytest.param(
        "staging/us-east-1/peering-accepter",
        "Extra",
        nacl(5, True, "17", {"Ref": "PeerVpcCidr"}),
        "NACL admits protocol 17 ports 0-65535 to 10.3.0.0/16",
        id="nacl-udp-to-prod-before-the-deny",
    ),
    pytest.param(
        "prod/us-east-1/peering",
        "Extra",
        nacl(39, False, "6", "10.2.0.0/16", ports=(22, 22)),
        "NACL admits protocol 6 ports 22-22 from 10.2.0.0/16",
        id="prod-nacl-admits-ssh-from-staging",
    ),
    pytest.param(
        "prod/us-east-1/peering",
        "Extra",
        nacl(38, True, "-1", "10.1.0.0/16"),
        "NACL admits protocol 17 ports 0-65535 to 10.1.0.0/16",
        id="prod-nacl-sends-everything-to-dev",
    ),
    pytest.param(
        "dev/us-east-1/network",
        "Extra",
        {
            "Type": "AWS::EC2::NetworkAclEntry",
            "Properties": {
                "NetworkAclId": {"Ref": "PrivateNetworkAcl"},
                "RuleNumber": 7,
                "Egress": True,
                "Protocol": "-1",
                "Ipv6CidrBlock": "::/0",
                "RuleAction": "allow",
            },
        },
        "IPv6 NACL entry (cannot evaluate)",
        id="ipv6-nacl-entry",
    ),
    pytest.param(
        "staging/us-east-1/network",
        "Extra",
        egress(IpProtocol="tcp", FromPort=443, ToPort=443, CidrIpv6="::/0"),
        "IPv6 security-group rule (cannot evaluate)",
        id="ipv6-security-group-rule",
    ),
    pytest.param(
        "dev/us-east-1/network",
        "Extra",
        egress(IpProtocol="tcp", FromPort=443, ToPort=443, DestinationPrefixListId="pl-0abc1234"),
        "prefix list pl-0abc1234 (cannot evaluate",
        id="customer-prefix-list",
    ),
    pytest.param(
        "staging/us-east-1/network",
        "Extra",
        egress(
            IpProtocol="tcp",
            FromPort=3306,
            ToPort=3306,
            DestinationSecurityGroupId="sg-0123456789abcdef0",
        ),
        "security-group reference sg-0123456789abcdef0 (cannot evaluate",
        id="security-group-reference-by-id",
    ),
    pytest.param(
        "prod/us-east-1/network",
        "Extra",
        {
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {
                "GroupId": {"Ref": "DatabaseSecurityGroup"},
                "IpProtocol": "tcp",
                "FromPort": 8080,
                "ToPort": 8080,
                "CidrIp": "10.1.0.0/16",
            },
        },
        "security group ingress from 10.1.0.0/16",
        id="prod-sg-ingress-from-dev-on-another-port",
    ),
]


@pytest.mark.parametrize(("stack_name", "logical_id", "resource", "expected"), BREAKING_RULES)
def test_a_breaking_rule_is_caught(stacks, facts, stack_name, logical_id, resource, expected):
    changed = []
    for stack in stacks:
        if stack.name == stack_name:
            stack = copy.deepcopy(stack)
            if resource is None:
                del stack.document["Resources"][logical_id]
            else:
                stack.document["Resources"][logical_id] = resource
        changed.append(stack)
    found = violations(changed, facts)
    assert any(expected in violation for violation in found), found
