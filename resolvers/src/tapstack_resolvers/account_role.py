"""`!account_role`: the ARN of a role in another environment's account, from the accounts map.

    !account_role staging/tapstack-sync-target
    !account_role {environment: staging, role: tapstack-sync-target}

both resolve to `arn:aws:iam::222222222222:role/tapstack-sync-target-staging` with the accounts
map of config/config.yaml. Use it wherever a template needs an exact cross-account principal.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from sceptre.resolvers import Resolver

from tapstack_resolvers.accounts import AccountLookupError, role_arn

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+=,.@_-]{1,64}$")]


class AccountRoleArgument(BaseModel):
    """The resolver's argument."""

    model_config = ConfigDict(extra="forbid")

    environment: Name
    role: Name
    partition: str = "aws"


class AccountRole(Resolver):
    """Resolve `{environment, role}` to the role's ARN in that environment's account."""

    def setup(self) -> None:
        """Parse the argument when Sceptre builds its plan."""
        argument = self.argument
        if isinstance(argument, str) and argument.count("/") == 1:
            environment, role = argument.split("/")
            argument = {"environment": environment, "role": role}
        try:
            self._parsed = AccountRoleArgument.model_validate(argument)
        except ValidationError as err:
            self.raise_invalid_argument_error(
                "!account_role takes `ENVIRONMENT/ROLE` or {environment: ..., role: ...} "
                f"(letters, digits and +=,.@_- only). You gave {self.argument!r}.",
                err,
            )

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
