"""`!upload_lambda_package` (hook) and `!lambda_package_key` (resolver): a Lambda zip built
from a uv workspace member, shipped and addressed by its content.

    parameters:
      MigratorCodeKey: !lambda_package_key tapstack-migrator     # the key, also during diff
    hooks:
      before_create:
        - !upload_lambda_package
            package: tapstack-migrator        # the workspace member (its pyproject name)
            bucket: !stack_output dev/us-east-1/storage.yaml::MigrationBucketName

Installs the member and its locked dependencies (`uv export --frozen`) for the Lambda runtime
into a clean folder, zips it deterministically, uploads it as `lambda/<package>/<sha256>.zip`
unless that key exists, and sets the parameter: a change in the code or a locked dependency is
a change in the stack, nothing else is.
"""

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from sceptre.exceptions import InvalidHookArgumentSyntaxError
from sceptre.hooks import Hook
from sceptre.resolvers import Resolver

from tapstack_hooks.artifacts import (
    ArtifactUploadError,
    content_key,
    deterministic_zip,
    upload_once,
)

PLATFORMS = {"x86_64": "x86_64-manylinux2014", "arm64": "aarch64-manylinux2014"}
PackageName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


class LambdaPackageArguments(BaseModel):
    """The hook's argument."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    package: PackageName
    bucket: str | Resolver
    parameter: str | None = None  # optional: a stack parameter to set to the key
    python: Literal["3.12", "3.13"] = "3.12"
    architecture: Literal["x86_64", "arm64"] = "x86_64"


class LambdaPackageKeyArguments(BaseModel):
    """The resolver's argument: the member, and the runtime it is built for."""

    model_config = ConfigDict(extra="forbid")

    package: PackageName
    python: Literal["3.12", "3.13"] = "3.12"
    architecture: Literal["x86_64", "arm64"] = "x86_64"


@functools.cache
def built_package(project: Path, package: str, python: str, architecture: str) -> bytes:
    """`build_package`, once per process: the resolver and the hook of one launch share it."""
    return build_package(project, package, python, architecture)


def package_key(package: str, bundle: bytes) -> str:
    """`lambda/<package>/<sha256>.zip`."""
    return content_key(f"lambda/{package}", bundle)


def build_package(
    project: Path,
    package: str,
    python: str = "3.12",
    architecture: str = "x86_64",
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
) -> bytes:
    """The Lambda zip of workspace member `package`: its code plus locked dependencies."""
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        raise ArtifactUploadError("uv is needed to build Lambda packages; `pip install uv`")
    with tempfile.TemporaryDirectory(prefix="tapstack-lambda-") as scratch:
        build = Path(scratch, "package")
        requirements = Path(scratch, "requirements.txt")
        install = [
            uv,
            "pip",
            "install",
            "--quiet",
            "--target",
            str(build),
            "--python-version",
            python,
            "--python-platform",
            PLATFORMS[architecture],
        ]
        steps = [
            [
                uv,
                "export",
                "--quiet",
                "--frozen",
                "--no-dev",
                "--no-hashes",
                "--no-emit-workspace",
                "--package",
                package,
                "--output-file",
                str(requirements),
            ],
            [*install, "--only-binary", ":all:", "--requirements", str(requirements)],
            [*install, "--no-deps", str(_member_path(project, package))],
        ]
        for step in steps:
            result = run(step, cwd=project, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise ArtifactUploadError(
                    f"building the {package} Lambda package failed: {' '.join(step[1:3])}: "
                    f"{result.stderr.strip()[-800:]}"
                )
        files = {
            path.relative_to(build).as_posix(): path
            for path in build.rglob("*")
            if path.is_file() and not _is_build_litter(path.relative_to(build))
        }
        return deterministic_zip(files)


def _is_build_litter(relative: Path) -> bool:
    """Bytecode caches, uv's lock file and console scripts: nothing the runtime imports."""
    return (
        "__pycache__" in relative.parts
        or relative.name.startswith(".")
        or (relative.parts[0] == "bin")
    )


def _member_path(project: Path, package: str) -> Path:
    for pyproject in sorted(project.glob("**/pyproject.toml")):
        if ".venv" in pyproject.parts:
            continue
        if f'name = "{package}"' in pyproject.read_text(encoding="utf-8"):
            return pyproject.parent
    raise ArtifactUploadError(f"no workspace member named {package!r} under {project}")


class UploadLambdaPackage(Hook):
    """Build, upload once per content, and pass the key as a stack parameter."""

    def setup(self) -> None:
        """Check the argument's shape without resolving it."""
        try:
            self._arguments = LambdaPackageArguments.model_validate(self._argument)
        except ValidationError as err:
            raise InvalidHookArgumentSyntaxError(
                f"{self.stack.name}: !upload_lambda_package takes a mapping {{package: NAME, "
                "bucket: NAME or resolver, parameter: STACK_PARAMETER (optional), python: 3.12, "
                f"architecture: x86_64|arm64}}. You gave {self._argument!r}."
            ) from err

    def run(self) -> None:
        """Build the package, upload it if new, set the stack parameter."""
        arguments = self._arguments
        bucket = self.argument["bucket"]  # resolved now that the bucket's stack exists
        if not isinstance(bucket, str) or not bucket:
            raise ArtifactUploadError(
                f"{self.stack.name}: !upload_lambda_package bucket resolved to {bucket!r}"
            )
        bundle = built_package(
            _project_of(self.stack), arguments.package, arguments.python, arguments.architecture
        )
        key = package_key(arguments.package, bundle)
        uploaded = upload_once(self.stack, bucket, key, bundle)
        self.logger.info(
            "%s: %s s3://%s/%s",
            self.stack.name,
            "uploaded" if uploaded else "already have",
            bucket,
            key,
        )
        if arguments.parameter:
            self.stack.parameters[arguments.parameter] = key


class LambdaPackageKey(Resolver):
    """Resolve to the key `!upload_lambda_package` uploads the member's package under."""

    def setup(self) -> None:
        """Parse `PACKAGE` or {package, python, architecture}."""
        argument = self.argument
        try:
            self._arguments = LambdaPackageKeyArguments.model_validate(
                {"package": argument} if isinstance(argument, str) else argument
            )
        except ValidationError as err:
            self.raise_invalid_argument_error(
                "!lambda_package_key takes a workspace member name or {package: NAME, "
                f"python: 3.12, architecture: x86_64|arm64}}. You gave {argument!r}.",
                err,
            )

    def resolve(self) -> str:
        """Build (once per process) and return `lambda/<package>/<sha256>.zip`."""
        arguments = self._arguments
        bundle = built_package(
            _project_of(self.stack), arguments.package, arguments.python, arguments.architecture
        )
        return package_key(arguments.package, bundle)


def _project_of(stack) -> Path:
    return Path(stack.stack_group_config.get("project_path") or os.getcwd())
