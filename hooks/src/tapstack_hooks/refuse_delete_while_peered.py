"""`!refuse_delete_while_peered`: keep an accepter's side of a VPC peering while the requester
still peers with it.

    hooks:
      before_delete:
        - !refuse_delete_while_peered
            requester: prod/us-east-1/peering   # the requester's stack, as a Sceptre path
            parameter: PeeringConnectionId      # optional: the parameter holding the id

Before the stack is deleted, the hook reads the connection id the stack was launched with (its
deployed `parameter`, DescribeStacks) and that connection (DescribeVpcPeeringConnections), both
in the stack's own account as the stack's own role: the requester's account is never touched.
While the connection is active (or still being set up) the delete stops with one message naming
the connection, the requester's stack and the command that deletes it first. A connection that
is deleted, rejected, failed or expired, an empty id, or a stack already gone lets the delete go
on. Put it on the stack that goes first when the accepter's group is deleted (its last stack,
e.g. peering-accepter), so that a refusal comes before anything else of the group is deleted.
"""

from typing import Annotated, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.exceptions import SceptreException
from sceptre.hooks import Hook

from tapstack_hooks.arguments import parse
from tapstack_hooks.hook_points import check_placement

TAG = "refuse_delete_while_peered"
POINTS = ("before_delete",)
USAGE = "{requester: ENV/REGION/STACK, parameter: NAME (optional)}"

StackPath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9/_-]*$")]
ParameterName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,255}$")]
# The requester still holds the connection in these states (AWS's VpcPeeringConnection codes).
STILL_PEERED = {"active", "pending-acceptance", "provisioning", "initiating-request"}


class PeeredStackDeleteError(SceptreException):
    """The stack's peering connection is still up: the requester's stack must go first."""


class RefuseDeleteWhilePeeredArguments(BaseModel):
    """The requester's stack path, and the parameter that holds the connection id."""

    model_config = ConfigDict(extra="forbid")

    requester: StackPath = Field(
        description="the requester's stack as a Sceptre path, e.g. prod/us-east-1/peering"
    )
    parameter: ParameterName = Field(
        "PeeringConnectionId",
        description="the name of the stack parameter holding the connection id (letters, digits)",
    )


class RefuseDeleteWhilePeered(Hook):
    """Stop a delete while the connection named by the stack's parameter is up."""

    def setup(self) -> None:
        """Parse the argument and check the hook point when Sceptre builds its plan."""
        self._arguments = parse(self, TAG, RefuseDeleteWhilePeeredArguments, self._argument, USAGE)
        check_placement(self, TAG, POINTS, running=False)

    def run(self) -> None:
        """Raise while the stack's peering connection is up; otherwise do nothing."""
        check_placement(self, TAG, POINTS, running=True)
        connection_id = self._deployed_connection_id()
        if not connection_id:
            return
        connection = self._connection(connection_id)
        status = (connection or {}).get("Status", {}).get("Code", "gone")
        if status not in STILL_PEERED:
            self.logger.info("%s is %s; the delete goes on", connection_id, status)
            return
        requester = self._arguments.requester
        raise PeeredStackDeleteError(
            f"{self.stack.name}: not deleted: {requester} still peers with this VPC through "
            f"{connection_id} ({status}), and this stack holds this side of that path. Delete "
            f"the requester's stack first, as its environment's deployer: "
            f"`sceptre delete -y {requester}.yaml`; then this group. Or delete the whole estate "
            "at once, which orders both sides: `sceptre delete -y ''`."
        )

    def _deployed_connection_id(self) -> str:
        try:
            response = self.stack.connection_manager.call(
                "cloudformation", "describe_stacks", {"StackName": self.stack.external_name}
            )
        except ClientError as err:
            if "does not exist" in str(err):
                return ""
            raise
        parameters = response["Stacks"][0].get("Parameters", [])
        values = {p["ParameterKey"]: p.get("ParameterValue", "") for p in parameters}
        return values.get(self._arguments.parameter, "")

    def _connection(self, connection_id: str) -> dict[str, Any] | None:
        try:
            response = self.stack.connection_manager.call(
                "ec2",
                "describe_vpc_peering_connections",
                {"VpcPeeringConnectionIds": [connection_id]},
            )
        except ClientError as err:
            if "NotFound" in err.response.get("Error", {}).get("Code", ""):
                return None
            raise
        connections = response.get("VpcPeeringConnections", [])
        return connections[0] if connections else None
