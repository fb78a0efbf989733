"""The Lambda zip of a uv workspace member: its code plus its locked dependencies, whose bytes
depend on nothing else.

`uv export --frozen` gives the member's locked requirements; `uv pip install --target` installs
them (binary wheels for the Lambda platform) and then the member itself. What an install adds
about the machine it ran on is left out: `direct_url.json` (the checkout's absolute path),
`uv_cache.json` (timestamps), `uv_build.json`, `INSTALLER`, `REQUESTED`, console scripts under
`bin/` (their shebang names the local interpreter), bytecode caches, and the `WHEEL` file of a
member built here (it names the build backend's version, not the source). `RECORD` keeps only
the lines of files that are shipped. The zip has fixed names, order, timestamps and modes.
"""

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from tapstack_hooks.artifacts import ArtifactUploadError, content_key, deterministic_zip
from tapstack_hooks.project import project_path

PLATFORMS = {"x86_64": "x86_64-manylinux2014", "arm64": "aarch64-manylinux2014"}
# Written by the installer about this machine and this run, not by the package.
INSTALL_RECORDS = {"direct_url.json", "uv_cache.json", "uv_build.json", "INSTALLER", "REQUESTED"}


def uv_executable() -> str:
    """The uv to run: `UV` when set (it must be an executable), else the `uv` on PATH."""
    configured = os.environ.get("UV")
    if configured:
        found = shutil.which(configured)
        if not found:
            raise ArtifactUploadError(
                f"UV={configured!r} is not an executable uv; point UV at uv "
                "(`command -v uv` prints its path) or unset UV to use the uv on PATH"
            )
        return found
    found = shutil.which("uv")
    if not found:
        raise ArtifactUploadError(
            "uv is needed to build Lambda packages and is not on PATH; install it "
            "(`pip install uv`) or set UV to its path"
        )
    return found


@functools.cache
def built_package(project: Path, package: str, python: str, architecture: str) -> bytes:
    """`build_package`, once per process: the resolver and the hook of one launch share it."""
    return build_package(project, package, python, architecture)


def build_package(
    project: Path,
    package: str,
    python: str = "3.12",
    architecture: str = "x86_64",
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
) -> bytes:
    """The Lambda zip of workspace member `package`: its code plus locked dependencies."""
    uv = uv_executable()
    member = member_path(project, package)
    with tempfile.TemporaryDirectory(prefix="tapstack-lambda-") as scratch:
        build = Path(scratch, "package")
        requirements = Path(scratch, "requirements.txt")
        install = [uv, "pip", "install", "--quiet", "--target", str(build)]
        install += ["--python-version", python, "--python-platform", PLATFORMS[architecture]]
        export = [uv, "export", "--quiet", "--frozen", "--no-dev", "--no-hashes"]
        export += ["--no-emit-workspace", "--package", package, "--output-file", str(requirements)]
        steps = [
            export,
            [*install, "--only-binary", ":all:", "--requirements", str(requirements)],
            [*install, "--no-deps", str(member)],
        ]
        for step in steps:
            try:
                result = run(step, cwd=project, capture_output=True, text=True, check=False)
            except OSError as err:
                raise ArtifactUploadError(f"cannot run {uv}: {err}") from err
            if result.returncode != 0:
                raise ArtifactUploadError(
                    f"building the {package} Lambda package failed: {' '.join(step[1:3])}: "
                    f"{result.stderr.strip()[-800:]}"
                )
        return deterministic_zip(shipped_files(build))


def shipped_files(build: Path) -> dict[str, Path]:
    """`{archive name: file}` of an install folder, without what describes the install."""
    local_builds = {p.parent.name for p in build.glob("*.dist-info/direct_url.json")}
    files = {}
    for path in build.rglob("*"):
        relative = path.relative_to(build)
        if path.is_file() and not _is_install_litter(relative, local_builds):
            files[relative.as_posix()] = path
    for record in [name for name in files if name.endswith(".dist-info/RECORD")]:
        files[record] = _shipped_record(files[record], set(files), build)
    return files


def _is_install_litter(relative: Path, local_builds: set[str]) -> bool:
    parts = relative.parts
    if "__pycache__" in parts or relative.name.startswith(".") or parts[0] == "bin":
        return True
    if len(parts) == 2 and parts[0].endswith(".dist-info"):
        return parts[1] in INSTALL_RECORDS or (parts[1] == "WHEEL" and parts[0] in local_builds)
    return False


def _shipped_record(record: Path, shipped: set[str], build: Path) -> Path:
    """A copy of RECORD listing only the files that are shipped (and itself)."""
    own = record.relative_to(build).as_posix()
    lines = [
        line
        for line in record.read_text(encoding="utf-8").splitlines()
        if line and (line.split(",", 1)[0] in shipped or line.split(",", 1)[0] == own)
    ]
    filtered = record.with_name("RECORD.shipped")
    filtered.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return filtered


def member_path(project: Path, package: str) -> Path:
    """The folder of the workspace member whose pyproject is named `package`."""
    for pyproject in sorted(project.glob("**/pyproject.toml")):
        if ".venv" in pyproject.parts:
            continue
        if f'name = "{package}"' in pyproject.read_text(encoding="utf-8"):
            return pyproject.parent
    raise ArtifactUploadError(f"no workspace member named {package!r} under {project}")


PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")


def python_version(value: Any) -> str:
    """A Lambda Python version written as text (`"3.12"`) or as a YAML number (`3.12`)."""
    if isinstance(value, float) and repr(value) == "3.1":
        raise ValueError("YAML reads an unquoted 3.10 as the number 3.1: write '3.10'")
    text = repr(value) if isinstance(value, float) else value
    if text not in PYTHON_VERSIONS:
        raise ValueError("")
    return text


PackageName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"),
    Field(description="a workspace member's project name (its pyproject.toml `name`)"),
]
PythonVersion = Annotated[
    str,
    BeforeValidator(python_version),
    Field(description=f"a Lambda Python version, {', '.join(PYTHON_VERSIONS)} (number or text)"),
]
Architecture = Annotated[
    Literal["x86_64", "arm64"], Field(description="the Lambda architecture, x86_64 or arm64")
]


def package_key(package: str, bundle: bytes) -> str:
    """`lambda/<package>/<sha256>.zip`."""
    return content_key(f"lambda/{package}", bundle)


def stack_package(stack, tag: str, package: str, python: str, architecture: str) -> bytes:
    """The member's package built for `stack`'s project; an error names the stack and `!tag`."""
    try:
        return built_package(project_path(stack), package, python, architecture)
    except ArtifactUploadError as err:
        raise ArtifactUploadError(f"{stack.name}: !{tag}: {err}") from err
