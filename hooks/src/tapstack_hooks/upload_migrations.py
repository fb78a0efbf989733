"""`!upload_migrations`: ship migrations/ to the environment's bucket, addressed by content.

Packs the `*.sql` files of the migrations directory into a deterministic zip, uploads it as
`migrations/<sha256>.zip` unless that key exists, and sets the stack parameter `MigrationsKey`
to the key, so a change in migrations/ is a change in the stack (and nothing else is).
"""

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.hooks import Hook
from sceptre.resolvers import Resolver

from tapstack_hooks.arguments import parse
from tapstack_hooks.artifacts import (
    ArtifactUploadError,
    content_key,
    deterministic_zip,
    upload_once,
)
from tapstack_hooks.hook_points import check_placement
from tapstack_hooks.project import project_path

TAG = "upload_migrations"
POINTS = ("before_create", "before_update")
USAGE = (
    "a bucket name, or {bucket: NAME or a resolver, directory: migrations (optional), "
    "parameter: MigrationsKey (optional)}"
)
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


class MigrationsUploadError(ArtifactUploadError):
    """The migrations could not be packed or uploaded."""


class UploadMigrationsArguments(BaseModel):
    """`bucket` (may be a resolver such as !stack_output); optional directory and parameter."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    bucket: NonEmpty | Resolver = Field(description="a bucket name, or a resolver giving one")
    directory: NonEmpty = Field(
        "migrations", description="a folder of *.sql files, relative to the Sceptre project"
    )
    parameter: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,255}$")] = Field(
        "MigrationsKey", description="the name of a stack parameter (letters and digits)"
    )


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
        check_placement(self, TAG, POINTS, running=False)
        raw = self._argument
        self._arguments = parse(
            self,
            TAG,
            UploadMigrationsArguments,
            {"bucket": raw} if isinstance(raw, str) else raw,
            USAGE,
        )

    def run(self) -> None:
        """Pack, upload if new, and set the stack parameter."""
        check_placement(self, TAG, POINTS, running=True)
        argument = self.argument  # resolves !stack_output and friends, now that they exist
        bucket = argument if isinstance(argument, str) else argument.get("bucket")
        if not isinstance(bucket, str) or not bucket:
            raise MigrationsUploadError(
                f"{self.stack.name}: !{TAG}: `bucket` resolved to {bucket!r}, not a bucket name"
            )
        project = project_path(self.stack)
        try:
            bundle = pack_migrations(project / self._arguments.directory)
        except MigrationsUploadError as err:
            raise MigrationsUploadError(f"{self.stack.name}: !{TAG}: {err}") from err
        key = bundle_key(bundle)
        if upload_once(self.stack, bucket, key, bundle):
            self.logger.info("uploaded s3://%s/%s", bucket, key)
        else:
            self.logger.info("s3://%s/%s is already there", bucket, key)
        self.stack.parameters[self._arguments.parameter] = key
