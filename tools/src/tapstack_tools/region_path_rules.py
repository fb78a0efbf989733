"""The path between prod's two regions: only MySQL crosses the peering."""

from typing import Any

from tapstack_tools.cidr_port_checks import (
    cidr_network,
    mysql_exactly,
    ports_text,
    private_subnets,
    reply_ports,
)
from tapstack_tools.reachability_inputs import Facts, StackInput
from tapstack_tools.template_evaluator import Evaluator


def region_path_violations(stack: StackInput, facts: Facts) -> list[str]:
    """Rules in a prod stack that let anything but MySQL cross to or from prod's other region."""
    others = [cidr for region, cidr in facts.prod_regions.items() if region != stack.region]
    if not others:
        return []
    private = private_subnets(others)

    def overlaps(cidr: Any) -> bool:
        network = cidr_network(cidr)
        return network is None or any(network.overlaps(other) for other in others)

    def aimed(cidr: Any) -> bool:
        network = cidr_network(cidr)
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
                if crosses(rule["CidrIp"]) and not mysql_exactly(*ports):
                    found.append(
                        f"{where}: security group {direction} {ports_text(*ports)} across the "
                        f"peering between prod's regions ({rule['CidrIp']}); only tcp 3306 may"
                    )
        if kind == "AWS::EC2::NetworkAclEntry" and props.get("RuleAction") == "allow":
            port_range = props.get("PortRange", {"From": 0, "To": 65535})
            ports = (props["Protocol"], port_range["From"], port_range["To"])
            allowed = mysql_exactly(*ports) or reply_ports(*ports)
            if aimed(props["CidrBlock"]) and not allowed:
                found.append(
                    f"{where}: NACL allows {ports_text(*ports)} across the peering between prod's "
                    f"regions ({props['CidrBlock']}); only tcp 3306 and its replies may"
                )
        if kind == "AWS::EC2::Route" and overlaps(props.get("DestinationCidrBlock")):
            destination = cidr_network(props.get("DestinationCidrBlock"))
            if set(props) - {"RouteTableId", "DestinationCidrBlock"} != {"VpcPeeringConnectionId"}:
                found.append(f"{where}: route to prod's other region not through a peering")
            elif destination is None or not any(destination.subnet_of(p) for p in private):
                found.append(
                    f"{where}: route to {props.get('DestinationCidrBlock')} reaches prod's other "
                    "region beyond its private subnets"
                )
    return found
