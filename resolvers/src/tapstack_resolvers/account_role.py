"""`!account_role`: the ARN of a role in another environment's account, from the accounts map.

    !account_role staging/tapstack-sync-target
    !account_role {environment: staging, role: tapstack-sync-target}

both resolve to `arn:aws:iam::222222222222:role/tapstack-sync-target-staging` with the accounts
map of config/config.yaml. Use it wherever a template needs an exact cross-account principal.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.resolvers import Resolver

from tapstack_resolvers.accounts import AccountLookupError, role_arn
from tapstack_resolvers.arguments import parse

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+=,.@_-]{1,64}$")]
USAGE = "`ENVIRONMENT/ROLE`, or {environment: ENVIRONMENT, role: ROLE, partition: aws (optional)}"


class AccountRoleArgument(BaseModel):
    """The resolver's argument."""

    model_config = ConfigDict(extra="forbid")

    environment: Name = Field(description="a key of the accounts map")
    role: Name = Field(description="a role name prefix (letters, digits and +=,.@_-)")
    partition: Annotated[str, StringConstraints(pattern=r"^aws(-[a-z]+)*$")] = Field(
        "aws", description="an AWS partition: aws, aws-us-gov, aws-cn"
    )


class AccountRole(Resolver):
    """Resolve `{environment, role}` to the role's ARN in that environment's account."""

    def setup(self) -> None:
        """Parse the argument when Sceptre builds its plan."""
        argument = self.argument
        if isinstance(argument, str) and argument.count("/") == 1:
            environment, role = argument.split("/")
            argument = {"environment": environment, "role": role}
        self._parsed = parse(self, "account_role", AccountRoleArgument, argument, USAGE)

    def resolve(self) -> str:
        """The role ARN built from the stack group's accounts map."""
        try:
            return role_arn(
                self.stack.stack_group_config.get("accounts"),
                self._parsed.environment,
                self._parsed.role,
                self._parsed.partition,
            )
        except AccountLookupError as err:
            self.raise_invalid_argument_error(f"!account_role: {err}", err)
