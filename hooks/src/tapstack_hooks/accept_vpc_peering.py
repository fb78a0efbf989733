"""`!accept_vpc_peering`: accept the stack's cross-account or cross-region VPC peerings.

A requester stack (AWS::EC2::VPCPeeringConnection without PeerRoleArn) leaves each connection
`pending-acceptance`. After create/update this hook reads the stack's outputs, and for every
connection id among them assumes the accepter account's role (from the accounts map and the
naming convention), accepts it and waits, bounded, until it is active:

    hooks:
      after_create:
        - !accept_vpc_peering                       # every output whose value is pcx-...
      after_update:
        - !accept_vpc_peering {outputs: [StagingPeeringConnectionId], timeout_seconds: 120}
        - !accept_vpc_peering
            role: tapstack-peering-accepter              # not the accepter's deploy role
            parameter: /tapstack/{environment}/main/peering/prod-us-east-1-connection-id

The accepter may be another account (prod -> staging, dev) or the same account in another
region (prod/eu-west-1 -> prod/us-east-1): acceptance always runs in the accepter VPC's region,
as the accepter account's role. An active connection is left alone; a failed, rejected,
expired or deleted one fails the launch with a message naming the connection, both VPCs and
both accounts.

With `parameter`, the hook also writes each connection's id as an SSM String parameter in the
accepter's account and region, as the same role, once the connection is active (`{environment}`
in the name becomes the accepter's environment). The accepter's own stacks then read it locally
(`!ssm_parameter`), so no accepter launch needs a role in the requester's account. With
`unpublish: true` (under `before_delete`) the hook accepts nothing and deletes those parameters
instead, so deleting the requester leaves nothing behind in the accepters' accounts.
"""

import re
import time
from collections.abc import Callable
from typing import Annotated, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.exceptions import SceptreException
from sceptre.hooks import Hook

from tapstack_hooks.arguments import parse, refuse
from tapstack_hooks.hook_points import check_placement

TAG = "accept_vpc_peering"
ACCEPTING_POINTS = ("after_create", "after_update")
UNPUBLISHING_POINTS = ("before_delete",)
USAGE = (
    "nothing, or {outputs: [OUTPUT_NAME, ...], timeout_seconds: 1-3600, role: ROLE_PREFIX, "
    "parameter: /ssm/name/{environment}, unpublish: true (under before_delete), partition: aws}"
)
OutputName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,255}$")]
RoleName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+=,.@_-]{1,64}$")]
ParameterName = Annotated[
    str, StringConstraints(pattern=r"^/[A-Za-z0-9_.\-/]*(\{environment\})?[A-Za-z0-9_.\-/]*$")
]
CONNECTION_ID = re.compile(r"^pcx-[0-9a-f]{8,17}$")
WAITING = {"initiating-request", "provisioning", "pending-acceptance"}
POLL_SECONDS = 2.0


class PeeringAcceptanceError(SceptreException):
    """A peering connection could not be accepted or did not become active."""


class AcceptVpcPeeringArguments(BaseModel):
    """Which outputs hold connection ids, how long to wait, which role to assume."""

    model_config = ConfigDict(extra="forbid")

    outputs: list[OutputName] | None = Field(
        None, description="a list of the stack's output names (letters and digits)"
    )  # default: every output whose value is pcx-...
    timeout_seconds: Annotated[int, Field(ge=1, le=3600)] = Field(
        300, description="a whole number of seconds, 1-3600"
    )
    role: RoleName | None = Field(
        None, description="a role name prefix (letters, digits and +=,.@_-)"
    )  # default: the config's deploy_role_name; in the requester's account, the stack's role
    parameter: ParameterName | None = Field(
        None, description="an SSM parameter name starting with /, {environment} allowed once"
    )
    unpublish: bool = Field(False, description="true or false")
    partition: Annotated[str, StringConstraints(pattern=r"^aws(-[a-z]+)*$")] = Field(
        "aws", description="an AWS partition: aws, aws-us-gov, aws-cn"
    )


def describe(connection: dict[str, Any]) -> str:
    """`pcx-… (VPC vpc-… in account A, region R -> VPC vpc-… in account B, region R)`."""
    requester, accepter = connection["RequesterVpcInfo"], connection["AccepterVpcInfo"]
    side = lambda info: (  # noqa: E731
        f"VPC {info.get('VpcId')} in account {info.get('OwnerId')}, {info.get('Region')}"
    )
    return f"{connection['VpcPeeringConnectionId']} ({side(requester)} -> {side(accepter)})"


def wait_until_active(
    read: Callable[[], dict[str, Any]],
    timeout_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Poll `read()` until the connection is active; raise on a final state or timeout."""
    deadline = clock() + timeout_seconds
    while True:
        connection = read()
        status = connection["Status"]
        if status["Code"] == "active":
            return connection
        if status["Code"] not in WAITING:
            raise PeeringAcceptanceError(
                f"peering connection {describe(connection)} is {status['Code']}: "
                f"{status.get('Message', '')}"
            )
        if clock() >= deadline:
            raise PeeringAcceptanceError(
                f"peering connection {describe(connection)} is still {status['Code']} after "
                f"{timeout_seconds:g} s"
            )
        sleep(POLL_SECONDS)


class AcceptVpcPeering(Hook):
    """Accept pending peering connections named by the stack's outputs in the accepter account."""

    def setup(self) -> None:
        """Parse the argument and check the hook point when Sceptre builds its plan."""
        self._arguments = parse(self, TAG, AcceptVpcPeeringArguments, self._argument or {}, USAGE)
        if self._arguments.unpublish and not self._arguments.parameter:
            refuse(self, TAG, "`unpublish` needs the `parameter` it deletes", USAGE)
        check_placement(self, TAG, self._points(), running=False)

    def _points(self) -> tuple[str, ...]:
        return UNPUBLISHING_POINTS if self._arguments.unpublish else ACCEPTING_POINTS

    def run(self) -> None:
        """Accept and wait for each connection (a no-op for those already active) and publish
        its id; or, with `unpublish`, delete the published ids."""
        check_placement(self, TAG, self._points(), running=True)
        if self._arguments.unpublish:
            for connection_id in self._connection_ids():
                self._unpublish(self._read(connection_id))
            return
        for connection_id in self._connection_ids():
            connection = self._read(connection_id)
            if connection["Status"]["Code"] == "pending-acceptance":
                self._accept(connection)
            if connection["Status"]["Code"] != "active":
                connection = wait_until_active(
                    lambda cid=connection_id: self._read(cid), self._arguments.timeout_seconds
                )
            self.logger.info("%s is active", describe(connection))
            if self._arguments.parameter:
                self._publish(connection)

    def _connection_ids(self) -> list[str]:
        try:
            response = self.stack.connection_manager.call(
                "cloudformation", "describe_stacks", {"StackName": self.stack.external_name}
            )
        except ClientError as err:
            if self._arguments.unpublish and "does not exist" in str(err):
                return []  # deleted before: its hook unpublished then
            raise
        outputs = {
            o["OutputKey"]: o["OutputValue"] for o in response["Stacks"][0].get("Outputs", [])
        }
        if self._arguments.outputs is None:
            named = {k: v for k, v in sorted(outputs.items()) if v.startswith("pcx-")}
        else:
            missing = [name for name in self._arguments.outputs if name not in outputs]
            if missing:
                raise PeeringAcceptanceError(
                    f"{self.stack.name}: !{TAG}: the stack has no output {missing} "
                    f"(its outputs: {', '.join(sorted(outputs)) or 'none'})"
                )
            named = {name: outputs[name] for name in self._arguments.outputs}
        malformed = {k: v for k, v in named.items() if not CONNECTION_ID.match(v)}
        if malformed:
            listed = ", ".join(f"{name} = {value!r}" for name, value in malformed.items())
            raise PeeringAcceptanceError(
                f"{self.stack.name}: !{TAG}: {listed} is not a VPC peering connection id "
                "(pcx- and 8 or 17 hex digits); nothing was accepted"
            )
        return list(named.values())

    def _read(self, connection_id: str) -> dict[str, Any]:
        try:
            response = self.stack.connection_manager.call(
                "ec2",
                "describe_vpc_peering_connections",
                {"VpcPeeringConnectionIds": [connection_id]},
            )
        except ClientError as err:
            raise PeeringAcceptanceError(
                f"{self.stack.name}: !{TAG}: cannot read peering connection {connection_id} in "
                f"{self.stack.region}: {err}"
            ) from err
        found = response.get("VpcPeeringConnections", [])
        if len(found) != 1:
            raise PeeringAcceptanceError(
                f"{self.stack.name}: !{TAG}: peering connection {connection_id} does not exist "
                f"in this account, {self.stack.region}"
            )
        return found[0]

    def _publish(self, connection: dict[str, Any]) -> None:
        accepter = connection["AccepterVpcInfo"]
        environment, role = self._accepter(accepter["OwnerId"], connection)
        name = self._arguments.parameter.replace("{environment}", environment)
        try:
            self.stack.connection_manager.call(
                "ssm",
                "put_parameter",
                {
                    "Name": name,
                    "Value": connection["VpcPeeringConnectionId"],
                    "Type": "String",
                    "Overwrite": True,
                    "Description": f"tapstack: peering from {self.stack.name}, written by its hook",
                },
                region=accepter.get("Region") or self.stack.region,
                sceptre_role=role,
            )
        except ClientError as err:
            raise PeeringAcceptanceError(
                f"{self.stack.name}: writing {name} for {describe(connection)} as {role} "
                f"failed: {err}"
            ) from err
        self.logger.info("%s = %s (as %s)", name, describe(connection), role)

    def _unpublish(self, connection: dict[str, Any]) -> None:
        accepter = connection["AccepterVpcInfo"]
        environment, role = self._accepter(accepter["OwnerId"], connection)
        name = self._arguments.parameter.replace("{environment}", environment)
        try:
            self.stack.connection_manager.call(
                "ssm",
                "delete_parameter",
                {"Name": name},
                region=accepter.get("Region") or self.stack.region,
                sceptre_role=role,
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ParameterNotFound":
                raise PeeringAcceptanceError(
                    f"{self.stack.name}: deleting {name} as {role} failed: {err}"
                ) from err
        self.logger.info("%s deleted (as %s)", name, role)

    def _accept(self, connection: dict[str, Any]) -> None:
        accepter = connection["AccepterVpcInfo"]
        _environment, role = self._accepter(accepter["OwnerId"], connection)
        try:
            self.stack.connection_manager.call(
                "ec2",
                "accept_vpc_peering_connection",
                {"VpcPeeringConnectionId": connection["VpcPeeringConnectionId"]},
                region=accepter.get("Region") or self.stack.region,
                sceptre_role=role,
            )
        except ClientError as err:
            raise PeeringAcceptanceError(
                f"{self.stack.name}: accepting {describe(connection)} as {role} failed: {err}"
            ) from err
        self.logger.info("accepted %s as %s", describe(connection), role)

    def _accepter(self, account: str, connection: dict[str, Any]) -> tuple[str, str]:
        """The accepter's environment and the role the hook acts as in its account."""
        accounts = self.stack.stack_group_config.get("accounts") or {}
        environments = [env for env, acct in accounts.items() if str(acct) == account]
        prefix = self._arguments.role or self.stack.stack_group_config.get("deploy_role_name")
        same_account = account == connection["RequesterVpcInfo"]["OwnerId"]
        if not environments or not (prefix or same_account):
            raise PeeringAcceptanceError(
                f"{self.stack.name}: cannot accept {describe(connection)}: account {account} is "
                "not in the accounts map, or no role is given (role, or deploy_role_name)"
            )
        environment = environments[0]
        if not prefix:  # the requester's own account: the stack's own role accepts
            return environment, self.stack.sceptre_role
        partition = self._arguments.partition
        return environment, f"arn:{partition}:iam::{account}:role/{prefix}-{environment}"
