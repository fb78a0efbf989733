"""`!upload_lambda_package` (hook) and `!lambda_package_key` (resolver): a Lambda zip built
from a uv workspace member, shipped and addressed by its content.

    parameters:
      MigratorCodeKey: !lambda_package_key tapstack-migrator     # the key, also during diff
    hooks:
      before_create:
        - !upload_lambda_package
            package: tapstack-migrator        # the workspace member (its pyproject name)
            bucket: !stack_output dev/us-east-1/storage.yaml::MigrationBucketName

Builds the member with its locked dependencies (tapstack_hooks.lambda_package), uploads it as
`lambda/<package>/<sha256>.zip` unless that key exists, and sets the parameter: a change in the
code or a locked dependency is a change in the stack, nothing else is.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from sceptre.hooks import Hook
from sceptre.resolvers import Resolver

from tapstack_hooks.arguments import parse
from tapstack_hooks.artifacts import ArtifactUploadError, content_key, upload_once
from tapstack_hooks.hook_points import check_placement
from tapstack_hooks.lambda_package import built_package
from tapstack_hooks.project import project_path

TAG = "upload_lambda_package"
POINTS = ("before_create", "before_update")
USAGE = (
    "{package: MEMBER, bucket: NAME or a resolver, parameter: STACK_PARAMETER (optional), "
    "python: 3.12 (optional), architecture: x86_64 or arm64 (optional)}"
)
PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")


def python_version(value: Any) -> str:
    """A Lambda Python version written as text (`"3.12"`) or as a YAML number (`3.12`)."""
    if isinstance(value, float) and repr(value) == "3.1":
        raise ValueError("YAML reads an unquoted 3.10 as the number 3.1: write '3.10'")
    text = repr(value) if isinstance(value, float) else value
    if text not in PYTHON_VERSIONS:
        raise ValueError("")
    return text


PackageName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"),
    Field(description="a workspace member's project name (its pyproject.toml `name`)"),
]
PythonVersion = Annotated[
    str,
    BeforeValidator(python_version),
    Field(description=f"a Lambda Python version, {', '.join(PYTHON_VERSIONS)} (number or text)"),
]
Architecture = Annotated[
    Literal["x86_64", "arm64"], Field(description="the Lambda architecture, x86_64 or arm64")
]


class LambdaPackageArguments(BaseModel):
    """The hook's argument."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    package: PackageName
    bucket: Annotated[str, StringConstraints(min_length=1)] | Resolver = Field(
        description="a bucket name, or a resolver giving one"
    )
    parameter: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,255}$")] | None = Field(
        None, description="the name of a stack parameter to set to the key (letters and digits)"
    )
    python: PythonVersion = "3.12"
    architecture: Architecture = "x86_64"


def package_key(package: str, bundle: bytes) -> str:
    """`lambda/<package>/<sha256>.zip`."""
    return content_key(f"lambda/{package}", bundle)


class UploadLambdaPackage(Hook):
    """Build, upload once per content, and pass the key as a stack parameter."""

    def setup(self) -> None:
        """Check the hook point and the argument's shape without resolving it."""
        check_placement(self, TAG, POINTS, running=False)
        self._arguments = parse(self, TAG, LambdaPackageArguments, self._argument, USAGE)

    def run(self) -> None:
        """Build the package, upload it if new, set the stack parameter."""
        check_placement(self, TAG, POINTS, running=True)
        arguments = self._arguments
        bucket = self.argument["bucket"]  # resolved now that the bucket's stack exists
        if not isinstance(bucket, str) or not bucket:
            raise ArtifactUploadError(
                f"{self.stack.name}: !{TAG}: `bucket` resolved to {bucket!r}, not a bucket name"
            )
        try:
            bundle = built_package(
                project_path(self.stack),
                arguments.package,
                arguments.python,
                arguments.architecture,
            )
        except ArtifactUploadError as err:
            raise ArtifactUploadError(f"{self.stack.name}: !{TAG}: {err}") from err
        key = package_key(arguments.package, bundle)
        uploaded = upload_once(self.stack, bucket, key, bundle)
        self.logger.info("%s s3://%s/%s", "uploaded" if uploaded else "already have", bucket, key)
        if arguments.parameter:
            self.stack.parameters[arguments.parameter] = key
