"""Each peering connection of a group's peering stack, as each side's account sees it."""

from dataclasses import dataclass

from tapstack_tools.stack_reads import group_state, stacks_of


@dataclass
class PeeringState:
    """One peering connection as each side's account sees it."""

    connection_id: str
    requester: str  # "env vpc-…"
    accepter: str
    requester_status: str
    accepter_status: str


def peering_states(group: str = "prod/us-east-1") -> list[PeeringState]:
    """Each connection the group's peering stack outputs, read in both accounts."""
    stacks = {stack.name: stack for stack in stacks_of(group)}
    peering = stacks.get(f"{group}/peering")
    if peering is None:
        return []
    (state,) = [s for s in group_state(group) if s.name == peering.name]
    accounts = peering.stack_group_config["accounts"]
    environment_of = {str(account): env for env, account in accounts.items()}
    states = []
    for _output, connection_id in sorted(state.outputs.items()):
        if not connection_id.startswith("pcx-"):
            continue
        connection = _peering_connection(peering, connection_id)
        accepter_info = connection["AccepterVpcInfo"]
        accepter_env = environment_of[accepter_info["OwnerId"]]
        (accepter_stack,) = [
            s
            for s in stacks_of(f"{accepter_env}/{accepter_info['Region']}")
            if s.name.endswith("/network")
        ]
        seen_by_accepter = _peering_connection(accepter_stack, connection_id)
        requester_info = connection["RequesterVpcInfo"]
        states.append(
            PeeringState(
                connection_id,
                f"{environment_of[requester_info['OwnerId']]} {requester_info['VpcId']}",
                f"{accepter_env} {accepter_info['VpcId']}",
                connection["Status"]["Code"],
                seen_by_accepter["Status"]["Code"],
            )
        )
    return states


def _peering_connection(stack, connection_id: str) -> dict:
    response = stack.connection_manager.call(
        "ec2", "describe_vpc_peering_connections", {"VpcPeeringConnectionIds": [connection_id]}
    )
    (connection,) = response["VpcPeeringConnections"]
    return connection


def format_peering(states: list[PeeringState]) -> str:
    """A table of peering connections and their state in each account."""
    rows = [("peering connection", "requester", "accepter", "requester sees", "accepter sees")]
    rows += [
        (s.connection_id, s.requester, s.accepter, s.requester_status, s.accepter_status)
        for s in states
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
