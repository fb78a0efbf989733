"""Static reachability: can anything in staging or dev reach prod's database or prod's roles?

Reads the rendered templates with the parameter values each stack is launched with (values
only Sceptre resolvers that need AWS can give are *unknown*), evaluates conditions and the
intrinsic functions the templates use, and lists every rule that would let staging or dev
open a connection to prod's MySQL port, or assume a prod role:

- security-group egress and NACL egress toward a prod CIDR on 3306 (or all ports), and on
  prod's side any security-group or NACL ingress admitting 3306 from staging or dev;
- routes toward prod other than through a peering connection to prod's sync subnets;
- IAM: a staging/dev policy allowing sts:AssumeRole on prod's account, a prod trust policy
  admitting a staging/dev principal, a staging/dev trust policy admitting any prod principal
  but the sync role with an ExternalId.

Between prod's two regions (a MySQL-only VPC peering) the rules say the same from the other
side: only 3306 may cross. Any security-group ingress admitting the other prod region (the
stateful gate: security groups admit nothing unless a rule says so) must be TCP 3306 exactly;
a security-group egress or NACL entry aimed at the other region must be TCP 3306 (NACL: or
the ephemeral reply ranges without 3306); a route there must go through a peering connection
to the other region's private subnets only.

From prod toward staging and dev, only the sync reaches out: every security-group egress
admitting 3306 toward a staging/dev VPC must be a rule of the sync's own group
(`SyncSecurityGroup`, the peering stack), TCP 3306 exactly, to one of that VPC's private
subnets. The shared Lambda tier, or any other group, with such a rule is a violation: it would
hand every prod function the sync's reach into staging and dev.

An unknown CIDR, port or principal counts as a violation: the proof must not rest on a guess.

The identity plane (tapstack_tools.identity_plane) is part of the proof: staging/dev roles' managed
policies (pinned AWS-managed documents, and the customer-managed ones the same template
defines, such as the deploy role's generated service policies) evaluated with their inline
ones, deployers (prod's is no other environment's, no prod role trusts a staging/dev deployer),
and the roles the staging/dev configs' resolvers and hooks assume
(`identity_plane.config_violations`).
"""

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from tapstack_tools.identity_plane import (
    deployer_violations,
    policy_violations,
    trusts_another_deployer,
)
from tapstack_tools.managed_policies import customer_managed

MYSQL = 3306
TCP = {"6", "tcp"}
ALL = {"-1", "all"}
SYNC_ROLE = "tapstack-sync-prod"
SYNC_GROUP = "SyncSecurityGroup"  # the sync's own security group (peering stack)
ACCEPTER_ROLE = "tapstack-peering-accepter"
PRIVATE_SUBNETS, PRIVATE_SUBNET_PREFIX = 3, 20  # tapstack_blocks.subnets
EPHEMERAL = (1024, 65535)


@dataclass(frozen=True)
class Unknown:
    """A value only known at deploy time (a stack output, a resource id)."""

    what: str


@dataclass
class StackInput:
    """One stack: its rendered template and the parameter values it is launched with."""

    name: str
    environment: str
    region: str
    document: dict
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Facts:
    """What the accounts map and address plan say."""

    accounts: dict[str, str]
    prod_cidrs: list[ipaddress.IPv4Network]
    other_cidrs: list[ipaddress.IPv4Network]  # staging's and dev's VPCs
    sync_subnets: list[ipaddress.IPv4Network]  # prod's private subnets (us-east-1)
    # prod's VPC per region; each region's private subnets are its first PRIVATE_SUBNETS /20s
    prod_regions: dict[str, ipaddress.IPv4Network] = field(default_factory=dict)
    # environment -> the principal its deploy role trusts (config/config.yaml `deployers`)
    deployers: dict[str, str] = field(default_factory=dict)


class Evaluator:
    """Conditions and intrinsic functions of one stack, with its parameter values."""

    def __init__(self, stack: StackInput, facts: Facts) -> None:
        self.stack = stack
        self.values = {
            "AWS::AccountId": facts.accounts[stack.environment],
            "AWS::Region": stack.region,
            "AWS::Partition": "aws",
        }
        for name, spec in stack.document.get("Parameters", {}).items():
            value = stack.parameters.get(name, spec.get("Default", Unknown(f"parameter {name}")))
            if spec["Type"] == "CommaDelimitedList" and isinstance(value, str):
                value = value.split(",") if value else []
            self.values[name] = value
        self.conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        """The named condition's truth value."""
        if name not in self.conditions:
            self.conditions[name] = bool(self.value(self.stack.document["Conditions"][name]))
        return self.conditions[name]

    def value(self, node: Any) -> Any:
        """Evaluate `node`; references to resources become Unknown."""
        if isinstance(node, list):
            return [self.value(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1:
            return {key: self.value(item) for key, item in node.items()}
        ((function, argument),) = node.items()
        if function == "Ref":
            return self.values.get(argument, self._ref_resource(argument))
        if function == "Fn::GetAtt":
            return self._get_att(argument)
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::If":
            name, when_true, when_false = argument
            return self.value(when_true if self.condition(name) else when_false)
        if function == "Fn::Equals":
            left, right = self.value(argument)
            return left == right and not isinstance(left, Unknown)
        if function == "Fn::Not":
            return not self.value(argument[0])
        if function == "Fn::And":
            return all(self.value(argument))
        if function == "Fn::Or":
            return any(self.value(argument))
        if function == "Fn::Select":
            index, items = self.value(argument)
            return items[int(index)] if isinstance(items, list) else Unknown(str(items))
        if function == "Fn::Cidr":
            block, count, bits = self.value(argument)
            if isinstance(block, Unknown):
                return block
            network = ipaddress.IPv4Network(block)
            subnets = network.subnets(new_prefix=32 - int(bits))
            return [str(next(subnets)) for _ in range(int(count))]
        if function == "Fn::Join":
            separator, items = self.value(argument)
            if any(isinstance(item, Unknown) for item in items):
                return Unknown(f"Join {items}")
            return separator.join(str(item) for item in items)
        if function == "Fn::Split":
            separator, text = self.value(argument)
            return text if isinstance(text, Unknown) else text.split(separator)
        if function == "Fn::Sub":
            return self._sub(argument)
        return {function: self.value(argument)}

    def _ref_resource(self, name: str) -> Any:
        resource = self.stack.document["Resources"].get(name, {})
        policy_name = resource.get("Properties", {}).get("ManagedPolicyName")
        if resource.get("Type") == "AWS::IAM::ManagedPolicy" and policy_name is not None:
            # A managed policy of this stack: its ARN, from its name, in this account.
            named = self.value(policy_name)
            if isinstance(named, str):
                return f"arn:aws:iam::{self.values['AWS::AccountId']}:policy/{named}"
        return Unknown(f"Ref {name}")

    def _get_att(self, argument: Any) -> Any:
        name, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
        resource = self.stack.document["Resources"].get(name, {})
        if resource.get("Type") == "AWS::IAM::Role" and attribute == "Arn":
            # A role of this stack: its name is not known, its account is.
            return f"arn:aws:iam::{self.values['AWS::AccountId']}:role/{name}"
        return Unknown(f"GetAtt {name}.{attribute}")

    def _sub(self, argument: Any) -> Any:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local = {name: self.value(value) for name, value in variables.items()}
        unknown = []

        def replace(match: re.Match) -> str:
            name = match.group(1)
            found = local.get(name, self.values.get(name, Unknown(name)))
            if isinstance(found, Unknown):
                unknown.append(name)
                return "?"
            return str(found)

        result = re.sub(r"\$\{([^}!]+)\}", replace, text)
        return Unknown(f"Sub {text} ({', '.join(unknown)})") if unknown else result

    def resources(self) -> dict[str, dict]:
        """The resources this stack creates, with evaluated properties."""
        created = {}
        for logical_id, resource in self.stack.document["Resources"].items():
            if "Condition" in resource and not self.condition(resource["Condition"]):
                continue
            created[logical_id] = {
                "Type": resource["Type"],
                "Properties": self.value(resource.get("Properties", {})),
            }
        return created


def _private_subnets(vpcs: list[ipaddress.IPv4Network]) -> list[ipaddress.IPv4Network]:
    """Each VPC's private subnets: its first PRIVATE_SUBNETS /20 blocks."""
    return [
        subnet
        for vpc in vpcs
        for subnet in list(vpc.subnets(new_prefix=PRIVATE_SUBNET_PREFIX))[:PRIVATE_SUBNETS]
    ]


def _network(value: Any) -> ipaddress.IPv4Network | None:
    return None if isinstance(value, Unknown) else ipaddress.IPv4Network(value, strict=False)


def _toward_prod(cidr: Any, facts: Facts) -> bool:
    network = _network(cidr)
    return network is None or any(network.overlaps(prod) for prod in facts.prod_cidrs)


def _includes_mysql(protocol: Any, low: Any, high: Any) -> bool:
    protocol = str(protocol).lower()
    if protocol in ALL:
        return True
    if protocol not in TCP:
        return False
    if isinstance(low, Unknown) or isinstance(high, Unknown):
        return True
    return int(low) <= MYSQL <= int(high)


def network_violations(stack: StackInput, facts: Facts) -> list[str]:
    """Rules in a staging/dev stack that let it open a MySQL connection toward prod."""
    found = []
    for logical_id, resource in Evaluator(stack, facts).resources().items():
        kind, props = resource["Type"], resource["Properties"]
        where = f"{stack.name}:{logical_id}"
        egress_rules = []
        if kind == "AWS::EC2::SecurityGroup":
            egress_rules = props.get("SecurityGroupEgress", [])
        elif kind == "AWS::EC2::SecurityGroupEgress":
            egress_rules = [props]
        for rule in egress_rules:
            if "CidrIp" not in rule:  # toward a security group of this template's own VPC
                continue
            ports = (rule["IpProtocol"], rule.get("FromPort", 0), rule.get("ToPort", 65535))
            if _toward_prod(rule["CidrIp"], facts) and _includes_mysql(*ports):
                found.append(f"{where}: security group egress to {rule['CidrIp']} admits 3306")
        if kind == "AWS::EC2::NetworkAclEntry" and props.get("RuleAction") == "allow":
            egress = str(props.get("Egress")).lower() == "true"
            port_range = props.get("PortRange", {"From": 0, "To": 65535})
            ports = (props["Protocol"], port_range["From"], port_range["To"])
            if egress and _toward_prod(props["CidrBlock"], facts) and _includes_mysql(*ports):
                found.append(f"{where}: NACL egress to {props['CidrBlock']} admits 3306")
        if kind == "AWS::EC2::Route" and _toward_prod(props.get("DestinationCidrBlock"), facts):
            destination = _network(props.get("DestinationCidrBlock"))
            to_sync_subnet = destination is not None and any(
                destination.subnet_of(subnet) for subnet in facts.sync_subnets
            )
            if set(props) - {"RouteTableId", "DestinationCidrBlock"} != {"VpcPeeringConnectionId"}:
                found.append(f"{where}: route toward prod not through a peering connection")
            elif not to_sync_subnet:
                found.append(
                    f"{where}: route to {props['DestinationCidrBlock']} reaches prod beyond "
                    "its sync subnets"
                )
    return found


def prod_ingress_violations(stack: StackInput, facts: Facts) -> list[str]:
    """Rules in a prod stack that admit MySQL from staging or dev (the reverse direction)."""
    found = []
    for logical_id, resource in Evaluator(stack, facts).resources().items():
        kind, props = resource["Type"], resource["Properties"]
        where = f"{stack.name}:{logical_id}"
        rules = []
        if kind == "AWS::EC2::SecurityGroup":
            rules = props.get("SecurityGroupIngress", [])
        elif kind == "AWS::EC2::SecurityGroupIngress":
            rules = [props]
        for rule in rules:
            if "CidrIp" not in rule:
                continue
            ports = (rule["IpProtocol"], rule.get("FromPort", 0), rule.get("ToPort", 65535))
            if _from_others(rule["CidrIp"], facts) and _includes_mysql(*ports):
                found.append(f"{where}: security group admits 3306 from {rule['CidrIp']}")
        if kind == "AWS::EC2::NetworkAclEntry" and props.get("RuleAction") == "allow":
            ingress = str(props.get("Egress")).lower() != "true"
            port_range = props.get("PortRange", {"From": 0, "To": 65535})
            ports = (props["Protocol"], port_range["From"], port_range["To"])
            if ingress and _from_others(props["CidrBlock"], facts) and _includes_mysql(*ports):
                found.append(f"{where}: NACL admits 3306 from {props['CidrBlock']}")
    return found


def _ports(protocol: Any, low: Any, high: Any) -> str:
    return f"{protocol} {low}-{high}"


def _mysql_exactly(protocol: Any, low: Any, high: Any) -> bool:
    return str(protocol).lower() in TCP and low == MYSQL and high == MYSQL


def _reply_ports(protocol: Any, low: Any, high: Any) -> bool:
    if str(protocol).lower() not in TCP or isinstance(low, Unknown) or isinstance(high, Unknown):
        return False
    low, high = int(low), int(high)
    return EPHEMERAL[0] <= low <= high <= EPHEMERAL[1] and not low <= MYSQL <= high


def region_path_violations(stack: StackInput, facts: Facts) -> list[str]:
    """Rules in a prod stack that let anything but MySQL cross to or from prod's other region."""
    others = [cidr for region, cidr in facts.prod_regions.items() if region != stack.region]
    if not others:
        return []
    private = _private_subnets(others)

    def overlaps(cidr: Any) -> bool:
        network = _network(cidr)
        return network is None or any(network.overlaps(other) for other in others)

    def aimed(cidr: Any) -> bool:
        network = _network(cidr)
        return network is None or any(network.subnet_of(other) for other in others)

    found = []
    for logical_id, resource in Evaluator(stack, facts).resources().items():
        kind, props = resource["Type"], resource["Properties"]
        where = f"{stack.name}:{logical_id}"
        ingress, egress = [], []
        if kind == "AWS::EC2::SecurityGroup":
            ingress = props.get("SecurityGroupIngress", [])
            egress = props.get("SecurityGroupEgress", [])
        elif kind == "AWS::EC2::SecurityGroupIngress":
            ingress = [props]
        elif kind == "AWS::EC2::SecurityGroupEgress":
            egress = [props]
        for rules, direction, crosses in ((ingress, "admits", overlaps), (egress, "sends", aimed)):
            for rule in rules:
                if "CidrIp" not in rule:
                    continue
                ports = (rule["IpProtocol"], rule.get("FromPort", 0), rule.get("ToPort", 65535))
                if crosses(rule["CidrIp"]) and not _mysql_exactly(*ports):
                    found.append(
                        f"{where}: security group {direction} {_ports(*ports)} across the "
                        f"peering between prod's regions ({rule['CidrIp']}); only tcp 3306 may"
                    )
        if kind == "AWS::EC2::NetworkAclEntry" and props.get("RuleAction") == "allow":
            port_range = props.get("PortRange", {"From": 0, "To": 65535})
            ports = (props["Protocol"], port_range["From"], port_range["To"])
            allowed = _mysql_exactly(*ports) or _reply_ports(*ports)
            if aimed(props["CidrBlock"]) and not allowed:
                found.append(
                    f"{where}: NACL allows {_ports(*ports)} across the peering between prod's "
                    f"regions ({props['CidrBlock']}); only tcp 3306 and its replies may"
                )
        if kind == "AWS::EC2::Route" and overlaps(props.get("DestinationCidrBlock")):
            destination = _network(props.get("DestinationCidrBlock"))
            if set(props) - {"RouteTableId", "DestinationCidrBlock"} != {"VpcPeeringConnectionId"}:
                found.append(f"{where}: route to prod's other region not through a peering")
            elif destination is None or not any(destination.subnet_of(p) for p in private):
                found.append(
                    f"{where}: route to {props.get('DestinationCidrBlock')} reaches prod's other "
                    "region beyond its private subnets"
                )
    return found


def sync_egress_violations(stack: StackInput, facts: Facts) -> list[str]:
    """Prod rules that let anything but the sync's own group open MySQL into staging/dev, or the
    sync's group anything but 3306 to their private subnets."""
    private = _private_subnets(facts.other_cidrs)
    found = []
    for logical_id, resource in Evaluator(stack, facts).resources().items():
        kind, props = resource["Type"], resource["Properties"]
        where = f"{stack.name}:{logical_id}"
        rules = []
        if kind == "AWS::EC2::SecurityGroup":
            rules = [
                (rule, f"{logical_id} (inline)") for rule in props.get("SecurityGroupEgress", [])
            ]
        elif kind == "AWS::EC2::SecurityGroupEgress":
            rules = [(props, props.get("GroupId"))]
        for rule, group in rules:
            if "CidrIp" not in rule or not _from_others(rule["CidrIp"], facts):
                continue
            ports = (rule["IpProtocol"], rule.get("FromPort", 0), rule.get("ToPort", 65535))
            network = _network(rule["CidrIp"])
            if group != Unknown(f"Ref {SYNC_GROUP}") and _includes_mysql(*ports):
                found.append(
                    f"{where}: security group {group} sends {_ports(*ports)} to "
                    f"{rule['CidrIp']} (staging/dev); only the sync's own group may"
                )
            elif group != Unknown(f"Ref {SYNC_GROUP}"):
                continue  # other ports toward staging/dev: the network proof's concern, not this
            elif not _mysql_exactly(*ports):
                found.append(
                    f"{where}: the sync's group sends {_ports(*ports)} to {rule['CidrIp']}; "
                    "only tcp 3306 may go to staging/dev"
                )
            elif network is None or not any(network.subnet_of(p) for p in private):
                found.append(
                    f"{where}: the sync's group reaches {rule['CidrIp']}, beyond the private "
                    "subnets of staging's and dev's VPCs"
                )
    return found


def _from_others(cidr: Any, facts: Facts) -> bool:
    network = _network(cidr)
    return network is None or any(network.overlaps(other) for other in facts.other_cidrs)


def _statements(policy: Any) -> list[dict]:
    if not isinstance(policy, dict):
        return []
    statements = policy.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _account_of(principal: Any) -> str | None:
    if isinstance(principal, Unknown) or not isinstance(principal, str):
        return None
    if re.fullmatch(r"\d{12}", principal):
        return principal
    parts = principal.split(":")
    return parts[4] if len(parts) > 4 else None


def iam_violations(stack: StackInput, facts: Facts) -> list[str]:
    """IAM that would let staging/dev assume a prod role, or admit prod other than by design."""
    prod_account = facts.accounts["prod"]
    others = {facts.accounts[env] for env in facts.accounts if env != "prod"}
    found = []
    resources = Evaluator(stack, facts).resources()
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        props, where = resource["Properties"], f"{stack.name}:{logical_id}"
        for statement in _statements(props.get("AssumeRolePolicyDocument")):
            if statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal")
            aws = [] if not isinstance(principal, dict) else _as_list(principal.get("AWS", []))
            if principal == "*" or "*" in aws:
                found.append(f"{where}: trust policy admits any principal")
            for entry in aws:
                account = _account_of(entry)
                if account is None:
                    found.append(f"{where}: trust policy admits an unknown principal {entry}")
                elif stack.environment == "prod" and account in others:
                    found.append(f"{where}: prod role trusts {entry} (staging/dev)")
                elif stack.environment == "prod" and trusts_another_deployer(
                    entry, facts.deployers
                ):
                    found.append(
                        f"{where}: prod role trusts {entry}, "
                        f"{trusts_another_deployer(entry, facts.deployers)}'s deployer"
                    )
                elif stack.environment != "prod" and account == prod_account:
                    external_id = (
                        statement.get("Condition", {}).get("StringEquals", {}).get("sts:ExternalId")
                    )
                    is_sync = entry == f"arn:aws:iam::{prod_account}:role/{SYNC_ROLE}"
                    if is_sync and external_id:
                        continue
                    # prod's deployer may accept prod's peering here, through the accepter role
                    accepter = str(props.get("RoleName", "")).startswith(ACCEPTER_ROLE)
                    if accepter and entry == facts.deployers.get("prod"):
                        continue
                    found.append(
                        f"{where}: trusts prod principal {entry} (only {SYNC_ROLE} with an "
                        "ExternalId may)"
                    )
        if stack.environment == "prod":
            continue
        local = customer_managed(resources, facts.accounts[stack.environment])
        found += policy_violations(where, props, prod_account, local)
        for policy in props.get("Policies", []):
            for statement in _statements(policy.get("PolicyDocument")):
                actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
                assumes = any(a in ("*", "sts:*", "sts:assumerole") for a in actions)
                if statement.get("Effect") != "Allow" or not assumes:
                    continue
                for target in _as_list(statement.get("Resource", [])):
                    account = _account_of(target)
                    if target == "*" or account in (None, prod_account, "*"):
                        found.append(f"{where}: may assume {target} (prod's roles)")
    return found


def violations(stacks: list[StackInput], facts: Facts) -> list[str]:
    """Every violation of the invariant across the stacks given."""
    found = []
    for stack in stacks:
        if stack.environment == "prod":
            found += prod_ingress_violations(stack, facts)
            found += region_path_violations(stack, facts)
            found += sync_egress_violations(stack, facts)
        else:
            found += network_violations(stack, facts)
        found += iam_violations(stack, facts)
    return found + deployer_violations(facts.deployers)
