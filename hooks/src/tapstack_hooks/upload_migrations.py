"""`!upload_migrations`: ship migrations/ to the environment's bucket, addressed by content.

Packs the `*.sql` files of the migrations directory into a deterministic zip, uploads it as
`migrations/<sha256>.zip` unless that key exists, and sets the stack parameter `MigrationsKey`
to the key, so a change in migrations/ is a change in the stack (and nothing else is).
"""

import hashlib
import io
import os
import zipfile
from pathlib import Path

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, ValidationError
from sceptre.exceptions import InvalidHookArgumentSyntaxError, SceptreException
from sceptre.hooks import Hook
from sceptre.resolvers import Resolver

# Fixed metadata: the same files give the same bytes on every machine and checkout.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o100644 << 16
UNIX = 3


class MigrationsUploadError(SceptreException):
    """The migrations could not be packed or uploaded."""


class UploadMigrationsArguments(BaseModel):
    """`bucket` (may be a resolver such as !stack_output); optional directory and parameter."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    bucket: str | Resolver
    directory: str = "migrations"
    parameter: str = "MigrationsKey"


def pack_migrations(directory: Path) -> bytes:
    """The `*.sql` files of `directory` as a zip whose bytes depend on names and contents only."""
    files = sorted(path for path in directory.glob("*.sql") if path.is_file())
    if not files:
        raise MigrationsUploadError(f"no *.sql files in {directory}")
    buffer = io.BytesIO()
    # Stored, not deflated: deflate output may differ between zlib builds.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.name, date_time=ZIP_DATE_TIME)
            info.external_attr = ZIP_FILE_MODE
            info.create_system = UNIX
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def bundle_key(bundle: bytes) -> str:
    """`migrations/<sha256 of the bundle>.zip`."""
    return f"migrations/{hashlib.sha256(bundle).hexdigest()}.zip"


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
        if self._exists(bucket, key):
            self.logger.info("%s: s3://%s/%s is already there", self.stack.name, bucket, key)
        else:
            self._upload(bucket, key, bundle)
            self.logger.info("%s: uploaded s3://%s/%s", self.stack.name, bucket, key)
        self.stack.parameters[self._arguments.parameter] = key

    def _upload(self, bucket: str, key: str, bundle: bytes) -> None:
        try:
            self.stack.connection_manager.call(
                "s3",
                "put_object",
                {"Bucket": bucket, "Key": key, "Body": bundle, "ContentType": "application/zip"},
            )
        except ClientError as err:
            raise MigrationsUploadError(
                f"{self.stack.name}: cannot upload s3://{bucket}/{key}: {err}"
            ) from err

    def _exists(self, bucket: str, key: str) -> bool:
        try:
            self.stack.connection_manager.call("s3", "head_object", {"Bucket": bucket, "Key": key})
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise MigrationsUploadError(
                f"{self.stack.name}: cannot check s3://{bucket}/{key}: {err}"
            ) from err
        return True
