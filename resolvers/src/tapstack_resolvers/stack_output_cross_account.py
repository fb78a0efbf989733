"""`!stack_output_cross_account`: an output of a stack in another environment's account.

    !stack_output_cross_account {account: staging, stack_name: tapstack-staging-us-east-1-network,
                                 output: VpcId}
    !stack_output_cross_account {account: staging, project_code: tapstack, stack: network,
                                 output: VpcId}
    !stack_output_cross_account staging/us-east-1/network::VpcId     # a stack of this project

The account comes from the accounts map, the role from the naming convention
(`{deploy_role_name}-{environment}`), the CloudFormation stack name from `stack_name` or from
Sceptre's convention (`{project_code}-{environment}-{region}-{stack}`, with this project's
project_code unless `project_code` names another's); outputs are read once per stack and run. A
stack that is not found is reported with how its name was made, so a project_code mismatch is
visible, not hidden behind "does not exist".
"""

import re
import threading
from typing import Annotated

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.exceptions import (
    DependencyStackMissingOutputError,
    SceptreException,
    StackDoesNotExistError,
)
from sceptre.helpers import get_external_stack_name
from sceptre.resolvers import Resolver

from tapstack_resolvers.accounts import AccountLookupError, account_id, role_arn
from tapstack_resolvers.arguments import parse

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+=,.@_-]{1,64}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
StackPath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9/_-]*(\.yaml)?$")]
SHORT_FORM = re.compile(
    r"^(?P<account>[^/:]+)/(?:(?P<region>[^/:]+)/)?(?P<stack>[^:]+)::(?P<output>.+)$"
)
USAGE = (
    "{account: ENVIRONMENT, stack_name: EXACT_NAME (or stack: PATH with optional project_code: "
    "CODE), output: NAME, region: REGION, role: ROLE_PREFIX, partition: aws}, or the short form "
    "`ENVIRONMENT[/REGION]/STACK::OUTPUT` for a stack of this project"
)
_CACHE: dict[tuple[str, str, str], dict[str, str]] = {}
_CACHE_LOCK = threading.Lock()


class CrossAccountAccessError(SceptreException):
    """The target account's role could not be assumed."""


class CrossAccountOutputArgument(BaseModel):
    """The resolver's argument."""

    model_config = ConfigDict(extra="forbid")

    account: Name = Field(description="an environment name, a key of the accounts map")
    region: Region | None = Field(None, description="an AWS region name such as eu-west-1")
    stack: StackPath | None = Field(
        None, description="the stack's path in that environment's group (network, data/db.yaml)"
    )
    stack_name: Name | None = Field(None, description="the exact CloudFormation stack name")
    project_code: Name | None = Field(
        None, description="the project_code of the project that owns `stack` (default: this one)"
    )
    output: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,255}$")] = Field(
        description="an output name (letters and digits)"
    )
    role: Name | None = Field(None, description="a role name prefix (letters, digits, +=,.@_-)")
    partition: Annotated[str, StringConstraints(pattern=r"^aws(-[a-z]+)*$")] = Field(
        "aws", description="an AWS partition: aws, aws-us-gov, aws-cn"
    )


class StackOutputCrossAccount(Resolver):
    """Resolve to an output of a stack in another account, read through that account's role."""

    def setup(self) -> None:
        """Parse the argument when Sceptre builds its plan."""
        argument = self.argument
        if isinstance(argument, str) and (match := SHORT_FORM.match(argument.strip())):
            argument = {k: v for k, v in match.groupdict().items() if v is not None}
        parsed = parse(
            self, "stack_output_cross_account", CrossAccountOutputArgument, argument, USAGE
        )
        if (parsed.stack is None) == (parsed.stack_name is None):
            self.raise_invalid_argument_error(
                "!stack_output_cross_account needs exactly one of `stack` (its path in the "
                f"target environment's group) or `stack_name`. It takes {USAGE}. "
                f"You gave {self._argument!r}."
            )
        if parsed.project_code and parsed.stack_name:
            self.raise_invalid_argument_error(
                "!stack_output_cross_account: `project_code` names the stack together with "
                f"`stack`; `stack_name` is already the exact name. You gave {self._argument!r}."
            )
        self._parsed = parsed

    def resolve(self) -> str:
        """The output's value, read with DescribeStacks through the target account's role."""
        argument = self._parsed
        config = self.stack.stack_group_config
        region = argument.region or self.stack.region
        if argument.stack_name:
            stack_name, named = argument.stack_name, "given as stack_name"
        else:
            project_code = argument.project_code or self.stack.project_code
            path = f"{argument.account}/{region}/{argument.stack.removesuffix('.yaml')}"
            stack_name = get_external_stack_name(project_code, path)
            whose = "the given" if argument.project_code else "this project's"
            named = (
                f"named from {whose} project_code {project_code!r} and the path {path}; a stack "
                "of another project needs its `project_code:` or the exact `stack_name:`"
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
        outputs = self._outputs(stack_name, region, role, where, named)
        if argument.output not in outputs:
            known = ", ".join(sorted(outputs)) or "none"
            raise DependencyStackMissingOutputError(
                f"{self.stack.name}: {where} has no output {argument.output!r} "
                f"(its outputs: {known})"
            )
        return outputs[argument.output]

    def _outputs(
        self, stack_name: str, region: str, role: str, where: str, named: str
    ) -> dict[str, str]:
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
                    f"{self.stack.name}: {where} does not exist ({named}). If the name is right, "
                    "launch that stack first."
                ) from err
            raise
        (described,) = response["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        with _CACHE_LOCK:
            _CACHE[key] = outputs
        return outputs
