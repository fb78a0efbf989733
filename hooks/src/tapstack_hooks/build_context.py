"""A Docker build context and its content hash: the files `docker build` would send (the
folder minus its `.dockerignore` patterns), hashed by path, mode and content.

The hash is the image tag, so the same sources always name the same image and any change in
them names a new one; nothing else (timestamps, checkout location) moves it.
"""

import hashlib
import re
from pathlib import Path, PurePosixPath
from typing import Annotated

from pydantic import Field, StringConstraints

IGNORE_FILE = ".dockerignore"
EXECUTABLE = 0o111


class BuildContextError(ValueError):
    """The build context is missing or its .dockerignore uses what is not supported here."""


def ignore_patterns(context: Path) -> list[str]:
    """The patterns of `context/.dockerignore` (comments and blanks dropped)."""
    ignore_file = context / IGNORE_FILE
    if not ignore_file.is_file():
        return []
    patterns = []
    for line in ignore_file.read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        if pattern.startswith("!"):
            raise BuildContextError(
                f"{ignore_file}: exception patterns ({pattern}) are not supported; "
                "list what to ignore only"
            )
        patterns.append(pattern.strip("/").removeprefix("./"))
    return patterns


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's matching: `*` and `?` stay within one path segment, `**` spans any number."""
    parts = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts) + r"\Z")


def is_ignored(relative: PurePosixPath, patterns: list[str]) -> bool:
    """True when the path or one of its parent folders matches a pattern."""
    candidates = [relative.as_posix(), *(p.as_posix() for p in relative.parents[:-1])]
    return any(
        pattern_regex(pattern).match(candidate) for pattern in patterns for candidate in candidates
    )


def context_files(context: Path) -> dict[str, Path]:
    """`{relative posix path: file}` of what the build would receive, sorted by path."""
    if not (context / "Dockerfile").is_file():
        raise BuildContextError(f"{context} has no Dockerfile")
    patterns = ignore_patterns(context)
    files = {}
    for path in sorted(context.rglob("*")):
        relative = PurePosixPath(path.relative_to(context).as_posix())
        if path.is_file() and not is_ignored(relative, patterns):
            files[relative.as_posix()] = path
    return files


def context_tag(context: Path) -> str:
    """The SHA-256 (hex) of the context's file paths, executable bits and contents."""
    digest = hashlib.sha256()
    for name, path in context_files(context).items():
        executable = "x" if path.stat().st_mode & EXECUTABLE else "-"
        content = hashlib.sha256(path.read_bytes()).hexdigest()
        digest.update(f"{name}\0{executable}\0{content}\n".encode())
    return digest.hexdigest()


Folder = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9._/-]+$"),
    Field(description="a folder relative to the Sceptre project (letters, digits, ._/-)"),
]
