"""`!upload_migrations`: ship migrations/ to the environment's bucket, addressed by content.

Packs the `*.sql` files of the migrations directory into a deterministic zip, uploads it as
`migrations/<sha256>.zip` unless that key exists, and sets the stack parameter `MigrationsKey`
to the key, so a change in migrations/ is a change in the stack (and nothing else is).
"""

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError
from sceptre.exceptions import InvalidHookArgumentSyntaxError
from sceptre.hooks import Hook
from sceptre.resolvers import Resolver

from tapstack_hooks.artifacts import (
    ArtifactUploadError,
    content_key,
    deterministic_zip,
    upload_once,
)


class MigrationsUploadError(ArtifactUploadError):
    """The migrations could not be packed or uploaded."""


class UploadMigrationsArguments(BaseModel):
    """`bucket` (may be a resolver such as !stack_output); optional directory and parameter."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    bucket: str | Resolver
    directory: str = "migrations"
    parameter: str = "MigrationsKey"


def pack_migrations(directory: Path) -> bytes:
    """The `*.sql` files of `directory` as a zip whose bytes depend on names and contents only."""
    files = {path.name: path for path in directory.glob("*.sql") if path.is_file()}
    if not files:
        raise MigrationsUploadError(f"no *.sql files in {directory}")
    return deterministic_zip(files)


def bundle_key(bundle: bytes) -> str:
    """`migrations/<sha256 of the bundle>.zip`."""
    return content_key("migrations", bundle)


class UploadMigrations(Hook):
    """Upload migrations/ (once per content) and pass its key as a stack parameter."""

    def setup(self) -> None:
        """Check the argument's shape without resolving it (its bucket may not exist yet)."""
        raw = self._argument
        try:
            self._arguments = UploadMigrationsArguments.model_validate(
                {"bucket": raw} if isinstance(raw, str) else raw
            )
        except ValidationError as err:
            raise InvalidHookArgumentSyntaxError(
                f"{self.stack.name}: !upload_migrations takes a bucket name, or a mapping "
                "{bucket: NAME or resolver, directory: migrations, parameter: MigrationsKey}. "
                f"You gave {raw!r}."
            ) from err

    def run(self) -> None:
        """Pack, upload if new, and set the stack parameter."""
        argument = self.argument  # resolves !stack_output and friends, now that they exist
        bucket = argument if isinstance(argument, str) else argument.get("bucket")
        if not isinstance(bucket, str) or not bucket:
            raise MigrationsUploadError(
                f"{self.stack.name}: !upload_migrations bucket resolved to {bucket!r}, "
                "not a bucket name"
            )
        project = Path(self.stack.stack_group_config.get("project_path") or os.getcwd())
        bundle = pack_migrations(project / self._arguments.directory)
        key = bundle_key(bundle)
        if upload_once(self.stack, bucket, key, bundle):
            self.logger.info("%s: uploaded s3://%s/%s", self.stack.name, bucket, key)
        else:
            self.logger.info("%s: s3://%s/%s is already there", self.stack.name, bucket, key)
        self.stack.parameters[self._arguments.parameter] = key


class MigrationsKey(Resolver):
    """`!migrations_key`: the key `!upload_migrations` uploads under, computed without
    uploading, so `sceptre diff` and `generate` see the parameter value a launch sends."""

    def setup(self) -> None:
        """The argument is the migrations directory (optional, default `migrations`)."""
        argument = self.argument
        if argument is not None and not (isinstance(argument, str) and argument):
            self.raise_invalid_argument_error(
                "!migrations_key takes an optional directory relative to the Sceptre project "
                f"(default migrations). You gave {argument!r}."
            )
        self._directory = argument or "migrations"

    def resolve(self) -> str:
        """`migrations/<sha256>.zip` of the directory's `*.sql` files."""
        project = Path(self.stack.stack_group_config.get("project_path") or os.getcwd())
        return bundle_key(pack_migrations(project / self._directory))
