"""Read back what the stack groups deployed through Sceptre's own connection manager, so each
read assumes the group's deploy role as a launch does, as that environment's deployer."""

from dataclasses import dataclass, field
from functools import cache

from botocore.exceptions import ClientError
from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan

from tapstack_tools import deployers
from tapstack_tools.paths import PROJECT_DIR

deployers.install()


@dataclass
class StackState:
    """What CloudFormation reports for one stack."""

    name: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)


def stacks_of(group: str) -> list:
    """The Sceptre stacks of a group, in the order Sceptre launches them."""
    order = launch_order()
    context = SceptreContext(project_path=str(PROJECT_DIR), command_path=group)
    return sorted(SceptrePlan(context).command_stacks, key=lambda s: (order[s.name], s.name))


@cache
def launch_order() -> dict[str, int]:
    """Each stack's batch (1, 2, ...) in the whole estate's launch, from Sceptre's own graph."""
    return {
        stack.name: batch for batch, stacks in enumerate(estate_batches(), 1) for stack in stacks
    }


def estate_batches(command: str = "launch") -> list[list]:
    """The whole estate's stacks as Sceptre runs `sceptre COMMAND ''`: batches of stacks, each
    started when the previous one has finished, in name order within a batch."""
    plan = SceptrePlan(SceptreContext(project_path=str(PROJECT_DIR), command_path=""))
    plan.resolve(command, reverse=command == "delete")
    return [sorted(batch, key=lambda stack: stack.name) for batch in plan.launch_order]


def group_state(group: str) -> list[StackState]:
    """Status and outputs of every stack of a group, read through its deploy role."""
    states = []
    for stack in stacks_of(group):
        try:
            response = stack.connection_manager.call(
                "cloudformation", "describe_stacks", {"StackName": stack.external_name}
            )
        except ClientError as err:
            if "does not exist" not in str(err):
                raise
            states.append(StackState(stack.name, "NOT_DEPLOYED"))
            continue
        (described,) = response["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        states.append(StackState(stack.name, described["StackStatus"], outputs))
    return states
