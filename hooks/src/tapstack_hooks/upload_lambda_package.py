"""`!upload_lambda_package`: a Lambda zip built from a uv workspace member, shipped and
addressed by its content (the stack gets the key from `!lambda_package_key`, the one way a key
reaches a stack).

    parameters:
      MigratorCodeKey: !lambda_package_key tapstack-migrator     # the key, also during diff
    hooks:
      before_create:
        - !upload_lambda_package
            package: tapstack-migrator        # the workspace member (its pyproject name)
            bucket: !stack_output dev/us-east-1/storage.yaml::MigrationBucketName

Builds the member with its locked dependencies (tapstack_hooks.lambda_package), uploads it as
`lambda/<package>/<sha256>.zip` unless that key exists: a change in the code or a locked
dependency is a change in the stack (through `!lambda_package_key`), nothing else is.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.hooks import Hook
from sceptre.resolvers import Resolver

from tapstack_hooks.arguments import parse
from tapstack_hooks.artifacts import ArtifactUploadError, upload_once
from tapstack_hooks.hook_points import check_placement
from tapstack_hooks.lambda_package import (
    Architecture,
    PackageName,
    PythonVersion,
    package_key,
    stack_package,
)

TAG = "upload_lambda_package"
POINTS = ("before_create", "before_update")
USAGE = (
    "{package: MEMBER, bucket: NAME or a resolver, python: 3.12 (optional), "
    "architecture: x86_64 or arm64 (optional)}"
)


class LambdaPackageArguments(BaseModel):
    """The hook's argument."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    package: PackageName
    bucket: Annotated[str, StringConstraints(min_length=1)] | Resolver = Field(
        description="a bucket name, or a resolver giving one"
    )
    python: PythonVersion = "3.12"
    architecture: Architecture = "x86_64"


class UploadLambdaPackage(Hook):
    """Build, and upload once per content under the key `!lambda_package_key` gives."""

    def setup(self) -> None:
        """Check the hook point and the argument's shape without resolving it."""
        check_placement(self, TAG, POINTS, running=False)
        self._arguments = parse(self, TAG, LambdaPackageArguments, self._argument, USAGE)

    def run(self) -> None:
        """Build the package and upload it if new."""
        check_placement(self, TAG, POINTS, running=True)
        arguments = self._arguments
        bucket = self.argument["bucket"]  # resolved now that the bucket's stack exists
        if not isinstance(bucket, str) or not bucket:
            raise ArtifactUploadError(
                f"{self.stack.name}: !{TAG}: `bucket` resolved to {bucket!r}, not a bucket name"
            )
        bundle = stack_package(
            self.stack, TAG, arguments.package, arguments.python, arguments.architecture
        )
        key = package_key(arguments.package, bundle)
        uploaded = upload_once(self.stack, bucket, key, bundle)
        self.logger.info("%s s3://%s/%s", "uploaded" if uploaded else "already have", bucket, key)
