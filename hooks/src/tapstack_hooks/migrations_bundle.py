"""The migrations bundle: the `*.sql` files of a folder as a deterministic zip, and its key
`migrations/<sha256>.zip` (what `!upload_migrations` uploads and `!migrations_key` gives)."""

from pathlib import Path

from tapstack_hooks.artifacts import ArtifactUploadError, content_key, deterministic_zip


class MigrationsUploadError(ArtifactUploadError):
    """The migrations could not be packed or uploaded."""


def pack_migrations(directory: Path) -> bytes:
    """The `*.sql` files of `directory` as a zip whose bytes depend on names and contents only."""
    files = {path.name: path for path in directory.glob("*.sql") if path.is_file()}
    if not files:
        raise MigrationsUploadError(f"no *.sql files in {directory}")
    return deterministic_zip(files)


def bundle_key(bundle: bytes) -> str:
    """`migrations/<sha256 of the bundle>.zip`."""
    return content_key("migrations", bundle)
