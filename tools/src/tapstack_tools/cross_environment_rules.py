"""The MySQL paths between prod and staging/dev: staging/dev toward prod, prod admitting
staging/dev, and prod's reach into staging/dev (the sync's own group only)."""

from collections.abc import Iterator

from tapstack_tools.cidr_port_checks import (
    cidr_network,
    from_others,
    includes_mysql,
    mysql_exactly,
    ports_text,
    private_subnets,
    toward_prod,
)
from tapstack_tools.reachability_inputs import SYNC_GROUP, Facts, StackInput, Unknown
from tapstack_tools.template_evaluator import Evaluator


def cidr_rules(logical_id: str, resource: dict, direction: str) -> Iterator[tuple]:
    """(group, rule, peer CIDR) for each security-group rule of one resource, in `direction`
    ("Ingress" or "Egress"), that names a peer CIDR: a group's inline rules, its group being
    "LOGICAL_ID (inline)", or a standalone SecurityGroupIngress/Egress, its group being its
    GroupId. Rules toward another security group (no CidrIp) are left out."""
    kind, props = resource["Type"], resource["Properties"]
    if kind == "AWS::EC2::SecurityGroup":
        rules = [
            (f"{logical_id} (inline)", rule) for rule in props.get(f"SecurityGroup{direction}", [])
        ]
    elif kind == f"AWS::EC2::SecurityGroup{direction}":
        rules = [(props.get("GroupId"), props)]
    else:
        rules = []
    for group, rule in rules:
        if "CidrIp" in rule:
            yield group, rule, rule["CidrIp"]


def rule_ports(rule: dict) -> tuple:
    """A security-group rule's (protocol, from port, to port), all ports when it names none."""
    return rule["IpProtocol"], rule.get("FromPort", 0), rule.get("ToPort", 65535)


def network_violations(stack: StackInput, facts: Facts) -> list[str]:
    """Rules in a staging/dev stack that let it open a MySQL connection toward prod."""
    found = []
    for logical_id, resource in Evaluator(stack, facts).resources().items():
        kind, props = resource["Type"], resource["Properties"]
        where = f"{stack.name}:{logical_id}"
        for _group, rule, cidr in cidr_rules(logical_id, resource, "Egress"):
            if toward_prod(cidr, facts) and includes_mysql(*rule_ports(rule)):
                found.append(f"{where}: security group egress to {cidr} admits 3306")
        if kind == "AWS::EC2::NetworkAclEntry" and props.get("RuleAction") == "allow":
            egress = str(props.get("Egress")).lower() == "true"
            port_range = props.get("PortRange", {"From": 0, "To": 65535})
            ports = (props["Protocol"], port_range["From"], port_range["To"])
            if egress and toward_prod(props["CidrBlock"], facts) and includes_mysql(*ports):
                found.append(f"{where}: NACL egress to {props['CidrBlock']} admits 3306")
        if kind == "AWS::EC2::Route" and toward_prod(props.get("DestinationCidrBlock"), facts):
            destination = cidr_network(props.get("DestinationCidrBlock"))
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
        for _group, rule, cidr in cidr_rules(logical_id, resource, "Ingress"):
            if from_others(cidr, facts) and includes_mysql(*rule_ports(rule)):
                found.append(f"{where}: security group admits 3306 from {cidr}")
        if kind == "AWS::EC2::NetworkAclEntry" and props.get("RuleAction") == "allow":
            ingress = str(props.get("Egress")).lower() != "true"
            port_range = props.get("PortRange", {"From": 0, "To": 65535})
            ports = (props["Protocol"], port_range["From"], port_range["To"])
            if ingress and from_others(props["CidrBlock"], facts) and includes_mysql(*ports):
                found.append(f"{where}: NACL admits 3306 from {props['CidrBlock']}")
    return found


def sync_egress_violations(stack: StackInput, facts: Facts) -> list[str]:
    """Prod rules that let anything but the sync's own group open MySQL into staging/dev, or the
    sync's group anything but 3306 to their private subnets."""
    private = private_subnets(facts.other_cidrs)
    found = []
    for logical_id, resource in Evaluator(stack, facts).resources().items():
        where = f"{stack.name}:{logical_id}"
        for group, rule, cidr in cidr_rules(logical_id, resource, "Egress"):
            if not from_others(cidr, facts):
                continue
            ports = rule_ports(rule)
            network = cidr_network(cidr)
            if group != Unknown(f"Ref {SYNC_GROUP}") and includes_mysql(*ports):
                found.append(
                    f"{where}: security group {group} sends {ports_text(*ports)} to "
                    f"{cidr} (staging/dev); only the sync's own group may"
                )
            elif group != Unknown(f"Ref {SYNC_GROUP}"):
                continue  # other ports toward staging/dev: the network proof's concern, not this
            elif not mysql_exactly(*ports):
                found.append(
                    f"{where}: the sync's group sends {ports_text(*ports)} to {cidr}; "
                    "only tcp 3306 may go to staging/dev"
                )
            elif network is None or not any(network.subnet_of(p) for p in private):
                found.append(
                    f"{where}: the sync's group reaches {cidr}, beyond the private "
                    "subnets of staging's and dev's VPCs"
                )
    return found
