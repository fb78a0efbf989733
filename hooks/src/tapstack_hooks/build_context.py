"""A Docker build context and its content hash: the files `docker build` would send (the
folder minus its `.dockerignore` patterns), hashed by path, mode and content.

The hash is the image tag, so the same sources always name the same image and any change in
them names a new one; nothing else (timestamps, checkout location) moves it.

A Dockerfile may also copy from named build contexts (BuildKit's `--build-context NAME=FOLDER`):
a `COPY --from=NAME` whose NAME is no stage of the Dockerfile and is a folder beside the context
(e.g. a library shared by several functions, `lambda/tapstack_db` beside `lambda/sync`). Their
files count in the hash too, so a change in the shared folder names new images.
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


def folder_files(folder: Path) -> dict[str, Path]:
    """`{relative posix path: file}` of what a build context folder sends, sorted by path."""
    patterns = ignore_patterns(folder)
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = PurePosixPath(path.relative_to(folder).as_posix())
        if path.is_file() and not is_ignored(relative, patterns):
            files[relative.as_posix()] = path
    return files


def context_files(context: Path) -> dict[str, Path]:
    """`{relative posix path: file}` of what the build would receive, sorted by path."""
    if not (context / "Dockerfile").is_file():
        raise BuildContextError(f"{context} has no Dockerfile")
    return folder_files(context)


def named_contexts(context: Path, dockerfile: str = "Dockerfile") -> dict[str, Path]:
    """`{NAME: folder}` of the named build contexts the Dockerfile copies from (see above)."""
    path = context / dockerfile
    if not path.is_file():
        return {}
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    stages = set(re.findall(r"^\s*FROM\s.*?\sAS\s+(\S+)", text, re.M | re.I))
    names = set(re.findall(r"^\s*COPY\s.*?--from=(\S+)", text, re.M | re.I)) - stages
    folders = {name: context.parent / name for name in sorted(names)}
    return {name: folder for name, folder in folders.items() if folder.is_dir()}


def context_tag(context: Path, dockerfile: str = "Dockerfile") -> str:
    """The SHA-256 (hex) of the file paths, executable bits and contents of the context and of
    the named build contexts its Dockerfile copies from."""
    files = {"": context_files(context)}
    for name, folder in named_contexts(context, dockerfile).items():
        files[f"{name}:"] = folder_files(folder)
    digest = hashlib.sha256()
    for prefix, named in files.items():
        for name, path in named.items():
            executable = "x" if path.stat().st_mode & EXECUTABLE else "-"
            content = hashlib.sha256(path.read_bytes()).hexdigest()
            digest.update(f"{prefix}{name}\0{executable}\0{content}\n".encode())
    return digest.hexdigest()


Folder = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9._/-]+$"),
    Field(description="a folder relative to the Sceptre project (letters, digits, ._/-)"),
]
