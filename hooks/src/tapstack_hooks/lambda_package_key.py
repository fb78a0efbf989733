"""`!lambda_package_key`: the key `!upload_lambda_package` uploads a member's package under,
computed without uploading, so `sceptre diff` and `generate` see the value a launch sends.

    CodeKey: !lambda_package_key {package: tapstack-sync, python: "3.12"}

It ships with the hook, in the same distribution, so the two always compute the same key.
"""

from pydantic import BaseModel, ConfigDict
from sceptre.resolvers import Resolver

from tapstack_hooks.arguments import parse_for_resolver
from tapstack_hooks.artifacts import ArtifactUploadError
from tapstack_hooks.lambda_package import built_package
from tapstack_hooks.project import project_path
from tapstack_hooks.upload_lambda_package import (
    Architecture,
    PackageName,
    PythonVersion,
    package_key,
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
        try:
            bundle = built_package(
                project_path(self.stack),
                arguments.package,
                arguments.python,
                arguments.architecture,
            )
        except ArtifactUploadError as err:
            raise ArtifactUploadError(f"{self.stack.name}: !lambda_package_key: {err}") from err
        return package_key(arguments.package, bundle)
