"""`!managed_prefix_list`: the id of an AWS-managed prefix list of the stack's region.

    !managed_prefix_list s3                                   # com.amazonaws.{region}.s3
    !managed_prefix_list {service: dynamodb, region: eu-west-1}

resolve to the list's id (`pl-63a5400a` for S3 in us-east-1), so a security group can send
traffic to a service's addresses (DestinationPrefixListId) instead of 0.0.0.0/0. The lookup
is EC2 DescribeManagedPrefixLists with the stack's own credentials.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.exceptions import SceptreException
from sceptre.resolvers import Resolver

from tapstack_resolvers.arguments import parse

Service = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{2,32}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
USAGE = "a service name such as `s3`, or {service: NAME, region: REGION (optional)}"


class PrefixListNotFoundError(SceptreException):
    """The region has no AWS-managed prefix list of that name."""


class ManagedPrefixListArgument(BaseModel):
    """The resolver's argument."""

    model_config = ConfigDict(extra="forbid")

    service: Service = Field(description="a service name: 2-32 of a-z, 0-9 and - (e.g. s3)")
    region: Region | None = Field(None, description="an AWS region name such as eu-west-1")


class ManagedPrefixList(Resolver):
    """Resolve a service name to its AWS-managed prefix list id."""

    def setup(self) -> None:
        """Parse the argument when Sceptre builds its plan."""
        argument = self.argument
        if isinstance(argument, str):
            argument = {"service": argument}
        self._parsed = parse(
            self, "managed_prefix_list", ManagedPrefixListArgument, argument, USAGE
        )

    def resolve(self) -> str:
        """DescribeManagedPrefixLists by name; the one AWS-owned list's id."""
        region = self._parsed.region or self.stack.region
        name = f"com.amazonaws.{region}.{self._parsed.service}"
        response = self.stack.connection_manager.call(
            "ec2",
            "describe_managed_prefix_lists",
            {"Filters": [{"Name": "prefix-list-name", "Values": [name]}]},
            region=region,
        )
        owned = [
            found for found in response.get("PrefixLists", []) if found.get("OwnerId") == "AWS"
        ]
        if len(owned) != 1:
            raise PrefixListNotFoundError(
                f"{self.stack.name}: !managed_prefix_list: {len(owned)} AWS-managed prefix "
                f"lists named {name} in {region} (expected one)"
            )
        return owned[0]["PrefixListId"]
