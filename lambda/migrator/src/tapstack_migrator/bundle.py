"""The migrations bundle: a flat zip of `*.sql` files, addressed by the sha256 of its bytes."""

import hashlib
import re
import zipfile
from io import BytesIO
from pathlib import Path

from tapstack_migrator.errors import MigrationFileError

KEY = re.compile(r"(?:.*/)?(?P<sha256>[0-9a-f]{64})\.zip")
_MEMBER = re.compile(r"[A-Za-z0-9_.-]+\.sql")


def expected_sha256(key: str) -> str | None:
    """The content hash a `migrations/<sha256>.zip` key promises, if it has one."""
    match = KEY.fullmatch(key)
    return match["sha256"] if match else None


def extract_bundle(data: bytes, target: Path, sha256: str | None = None) -> None:
    """Check the bytes against `sha256` and write the bundle's files flat into `target`."""
    actual = hashlib.sha256(data).hexdigest()
    if sha256 is not None and actual != sha256:
        raise MigrationFileError(f"bundle content hash is {actual}, but its key says {sha256}")
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for member in archive.infolist():
            if member.is_dir() or not _MEMBER.fullmatch(member.filename):
                raise MigrationFileError(
                    f"bundle member {member.filename!r}: only flat *.sql files are expected"
                )
            (target / member.filename).write_bytes(archive.read(member))
