"""`!ssm_parameter`: the value of an SSM parameter in the stack's own account and region.

    PeeringConnectionId: !ssm_parameter /tapstack/staging/main/peering/prod-us-east-1-connection-id
    PeeringConnectionId: !ssm_parameter {name: /tapstack/staging/x, region: us-east-1}
    PeeringConnectionId: !ssm_parameter {name: /tapstack/staging/x, default: ""}

Read with GetParameter through the stack's own connection (its profile, region and
`sceptre_role`), never through another account's role: a value another account publishes into
this one (`!accept_vpc_peering`'s `parameter`) is read locally. A missing parameter raises,
unless the config says what its absence means with `default` (e.g. "" for "not peered yet":
prod publishes the id when it peers, and deletes it when its peering goes). Any other error
(access denied, throttling) still raises.
"""

from typing import Annotated

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.exceptions import SceptreException
from sceptre.resolvers import Resolver

from tapstack_resolvers.arguments import parse

Name = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9_.\-/]{1,1010}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
USAGE = (
    "`/PARAMETER/NAME`, or {name: /PARAMETER/NAME, region: REGION (optional), "
    "default: VALUE (optional)}"
)


class ParameterNotFoundError(SceptreException):
    """The SSM parameter does not exist in the stack's account and region."""


class SsmParameterArgument(BaseModel):
    """The resolver's argument."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="a parameter name starting with / (letters, digits, _.-/)")
    region: Region | None = Field(
        None, description="an AWS region name such as eu-west-1 (default: the stack's region)"
    )
    default: str | None = Field(
        None, description="a string: the value when the parameter does not exist (default: raise)"
    )


class SsmParameter(Resolver):
    """Resolve to the value of an SSM parameter of the stack's own account."""

    def setup(self) -> None:
        """Parse the argument when Sceptre builds its plan."""
        argument = self.argument
        if isinstance(argument, str):
            argument = {"name": argument.strip()}
        self._parsed = parse(self, "ssm_parameter", SsmParameterArgument, argument, USAGE)

    def resolve(self) -> str:
        """GetParameter, as the stack's own role."""
        region = self._parsed.region or self.stack.region
        try:
            response = self.stack.connection_manager.call(
                "ssm",
                "get_parameter",
                {"Name": self._parsed.name, "WithDecryption": True},
                region=region,
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "ParameterNotFound":
                if self._parsed.default is not None:
                    return self._parsed.default
                raise ParameterNotFoundError(
                    f"{self.stack.name}: !ssm_parameter: {self._parsed.name} does not exist in "
                    f"this account, {region} (who writes it must run first)"
                ) from err
            raise
        return response["Parameter"]["Value"]
