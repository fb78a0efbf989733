"""Content-addressed artifacts: deterministic zips uploaded once per content.

Shared by the hooks that ship code or SQL to a bucket and the resolvers that give a stack its
key (one way: the resolver, so `sceptre diff` and `generate` see the value a launch sends), so
that a change in the content is a change in the stack and nothing else is.
"""

import hashlib
import io
import zipfile
from pathlib import Path

from botocore.exceptions import ClientError
from sceptre.exceptions import SceptreException

# Fixed metadata: the same files give the same bytes on every machine and checkout.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o100644 << 16
UNIX = 3


class ArtifactUploadError(SceptreException):
    """An artifact could not be packed or uploaded."""


def deterministic_zip(files: dict[str, Path]) -> bytes:
    """Zip `{archive name: file}`; the bytes depend on names and contents only."""
    buffer = io.BytesIO()
    # Stored, not deflated: deflate output may differ between zlib builds.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.external_attr = ZIP_FILE_MODE
            info.create_system = UNIX
            archive.writestr(info, files[name].read_bytes())
    return buffer.getvalue()


def content_key(prefix: str, bundle: bytes) -> str:
    """`{prefix}/<sha256 of the bundle>.zip`."""
    return f"{prefix}/{hashlib.sha256(bundle).hexdigest()}.zip"


def upload_once(stack, bucket: str, key: str, bundle: bytes) -> bool:
    """Upload `bundle` to s3://bucket/key through the stack's connection manager unless the
    key is already there; True when it uploaded."""
    where = f"s3://{bucket}/{key}"
    try:
        stack.connection_manager.call("s3", "head_object", {"Bucket": bucket, "Key": key})
        return False
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise ArtifactUploadError(f"{stack.name}: cannot check {where}: {err}") from err
    try:
        stack.connection_manager.call(
            "s3",
            "put_object",
            {"Bucket": bucket, "Key": key, "Body": bundle, "ContentType": "application/zip"},
        )
    except ClientError as err:
        raise ArtifactUploadError(f"{stack.name}: cannot upload {where}: {err}") from err
    return True
