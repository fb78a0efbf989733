"""`!lambda_package_key`: the key `!upload_lambda_package` uploads a workspace member's Lambda
package under, built (once per process) without uploading: the one way the key reaches a stack,
so `sceptre diff` and `generate` see the value a launch sends.

    parameters:
      MigratorCodeKey: !lambda_package_key tapstack-migrator
"""

from pydantic import BaseModel, ConfigDict
from sceptre.resolvers import Resolver

from tapstack_hooks.arguments import parse_for_resolver
from tapstack_hooks.lambda_package import (
    Architecture,
    PackageName,
    PythonVersion,
    package_key,
    stack_package,
)

RESOLVER_USAGE = (
    "a workspace member's name, or {package: MEMBER, python: 3.12 (optional), "
    "architecture: x86_64 or arm64 (optional)}"
)


class LambdaPackageKeyArguments(BaseModel):
    """The resolver's argument: the member, and the runtime it is built for."""

    model_config = ConfigDict(extra="forbid")

    package: PackageName
    python: PythonVersion = "3.12"
    architecture: Architecture = "x86_64"


class LambdaPackageKey(Resolver):
    """Resolve to the key `!upload_lambda_package` uploads the member's package under."""

    def setup(self) -> None:
        """Parse `PACKAGE` or {package, python, architecture}."""
        argument = self._argument
        self._arguments = parse_for_resolver(
            self,
            "lambda_package_key",
            LambdaPackageKeyArguments,
            {"package": argument} if isinstance(argument, str) else argument,
            RESOLVER_USAGE,
        )

    def resolve(self) -> str:
        """Build (once per process) and return `lambda/<package>/<sha256>.zip`."""
        arguments = self._arguments
        bundle = stack_package(
            self.stack,
            "lambda_package_key",
            arguments.package,
            arguments.python,
            arguments.architecture,
        )
        return package_key(arguments.package, bundle)
