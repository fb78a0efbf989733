"""`!stack_output_cross_account`: an output of a stack in another environment's account.

    !stack_output_cross_account staging/us-east-1/network::VpcId
    !stack_output_cross_account {account: staging, region: us-east-1, stack: network, output: VpcId}

The account comes from the accounts map, the role from the naming convention
(`{deploy_role_name}-{environment}`), the CloudFormation stack name from Sceptre's
(`{project_code}-{environment}-{region}-{stack}`); outputs are read once per stack and run.
"""

import re
import threading
from typing import Annotated

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from sceptre.exceptions import (
    DependencyStackMissingOutputError,
    SceptreException,
    StackDoesNotExistError,
)
from sceptre.helpers import get_external_stack_name
from sceptre.resolvers import Resolver

from tapstack_resolvers.accounts import AccountLookupError, account_id, role_arn

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+=,.@_-]{1,64}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
StackPath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9/_-]*(\.yaml)?$")]
SHORT_FORM = re.compile(
    r"^(?P<account>[^/:]+)/(?:(?P<region>[^/:]+)/)?(?P<stack>[^:]+)::(?P<output>.+)$"
)
_CACHE: dict[tuple[str, str, str], dict[str, str]] = {}
_CACHE_LOCK = threading.Lock()


class CrossAccountAccessError(SceptreException):
    """The target account's role could not be assumed."""


class CrossAccountOutputArgument(BaseModel):
    """The resolver's argument."""

    model_config = ConfigDict(extra="forbid")

    account: Name
    region: Region | None = None  # default: the region of the stack being resolved
    stack: StackPath | None = None  # path in the target group: network, data/db, network.yaml
    stack_name: Name | None = None  # or the exact CloudFormation stack name
    output: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,255}$")]
    role: Name | None = None  # role prefix; default: the config's deploy_role_name
    partition: str = "aws"


class StackOutputCrossAccount(Resolver):
    """Resolve to an output of a stack in another account, read through that account's role."""

    def setup(self) -> None:
        """Parse the argument when Sceptre builds its plan."""
        argument = self.argument
        if isinstance(argument, str) and (match := SHORT_FORM.match(argument.strip())):
            argument = {k: v for k, v in match.groupdict().items() if v is not None}
        try:
            parsed = CrossAccountOutputArgument.model_validate(argument)
        except ValidationError as err:
            self.raise_invalid_argument_error(
                "!stack_output_cross_account takes `ACCOUNT[/REGION]/STACK::OUTPUT` or "
                "{account, region, stack (or stack_name), output[, role]}. "
                f"You gave {self.argument!r}.",
                err,
            )
        if (parsed.stack is None) == (parsed.stack_name is None):
            self.raise_invalid_argument_error(
                "!stack_output_cross_account needs exactly one of `stack` (its path in the "
                f"target environment's group) or `stack_name`. You gave {self.argument!r}."
            )
        self._parsed = parsed

    def resolve(self) -> str:
        """The output's value, read with DescribeStacks through the target account's role."""
        argument = self._parsed
        config = self.stack.stack_group_config
        region = argument.region or self.stack.region
        stack_name = argument.stack_name or get_external_stack_name(
            self.stack.project_code,
            f"{argument.account}/{region}/{argument.stack.removesuffix('.yaml')}",
        )
        try:
            accounts = config.get("accounts")
            account = account_id(accounts, argument.account)
            role_prefix = argument.role or config.get("deploy_role_name")
            if not role_prefix:
                raise AccountLookupError("give `role`, or set deploy_role_name in config/")
            role = role_arn(
                config.get("accounts"), argument.account, role_prefix, argument.partition
            )
        except AccountLookupError as err:
            self.raise_invalid_argument_error(f"!stack_output_cross_account: {err}", err)
        where = f"stack {stack_name} in account {account} ({argument.account}), {region}"
        outputs = self._outputs(stack_name, region, role, where)
        if argument.output not in outputs:
            known = ", ".join(sorted(outputs)) or "none"
            raise DependencyStackMissingOutputError(
                f"{self.stack.name}: {where} has no output {argument.output!r} "
                f"(its outputs: {known})"
            )
        return outputs[argument.output]

    def _outputs(self, stack_name: str, region: str, role: str, where: str) -> dict[str, str]:
        key = (role, region, stack_name)
        with _CACHE_LOCK:
            if key in _CACHE:
                return _CACHE[key]
        try:
            response = self.stack.connection_manager.call(
                "cloudformation",
                "describe_stacks",
                {"StackName": stack_name},
                region=region,
                sceptre_role=role,
            )
        except ClientError as err:
            if err.operation_name == "AssumeRole":
                raise CrossAccountAccessError(
                    f"{self.stack.name}: cannot assume {role} to read {where}: {err}"
                ) from err
            if "does not exist" in str(err):
                raise StackDoesNotExistError(
                    f"{self.stack.name}: {where} does not exist (launch it first)"
                ) from err
            raise
        (described,) = response["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        with _CACHE_LOCK:
            _CACHE[key] = outputs
        return outputs
