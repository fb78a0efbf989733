"""`!upload_migrations`: ship migrations/ to the environment's bucket, addressed by content.

Packs the `*.sql` files of the migrations directory into a deterministic zip and uploads it as
`migrations/<sha256>.zip` unless that key exists. The stack gets the key from `!migrations_key`
(the one way a key reaches a stack), so a change in migrations/ is a change in the stack (and
nothing else is).

    parameters:
      MigrationsKey: !migrations_key migrations
    hooks:
      before_create:
        - !upload_migrations {bucket: !stack_output dev/us-east-1/storage.yaml::BucketName}
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sceptre.hooks import Hook
from sceptre.resolvers import Resolver

from tapstack_hooks.arguments import parse
from tapstack_hooks.artifacts import upload_once
from tapstack_hooks.hook_points import check_placement
from tapstack_hooks.migrations_bundle import MigrationsUploadError, bundle_key, pack_migrations
from tapstack_hooks.project import project_path

TAG = "upload_migrations"
POINTS = ("before_create", "before_update")
USAGE = "a bucket name, or {bucket: NAME or a resolver, directory: migrations (optional)}"
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


class UploadMigrationsArguments(BaseModel):
    """`bucket` (may be a resolver such as !stack_output); optional directory."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    bucket: NonEmpty | Resolver = Field(description="a bucket name, or a resolver giving one")
    directory: NonEmpty = Field(
        "migrations", description="a folder of *.sql files, relative to the Sceptre project"
    )


class UploadMigrations(Hook):
    """Upload migrations/ (once per content) under the key `!migrations_key` gives the stack."""

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
        """Pack, and upload if new."""
        check_placement(self, TAG, POINTS, running=True)
        argument = self.argument  # resolves !stack_output and friends, now that they exist
        bucket = argument if isinstance(argument, str) else argument.get("bucket")
        if not isinstance(bucket, str) or not bucket:
            raise MigrationsUploadError(
                f"{self.stack.name}: !{TAG}: `bucket` resolved to {bucket!r}, not a bucket name"
            )
        try:
            bundle = pack_migrations(project_path(self.stack) / self._arguments.directory)
        except MigrationsUploadError as err:
            raise MigrationsUploadError(f"{self.stack.name}: !{TAG}: {err}") from err
        key = bundle_key(bundle)
        if upload_once(self.stack, bucket, key, bundle):
            self.logger.info("uploaded s3://%s/%s", bucket, key)
        else:
            self.logger.info("s3://%s/%s is already there", bucket, key)
