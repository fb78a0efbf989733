"""The task root of a container-image function, built from the package its command names.

The local AWS cannot run an image, so an image function runs its `ImageConfig.Command` handler
with the interpreter `image_python()` names (the project's environment). The image's own task
root holds the function's package (`COPY src/<package> ${LAMBDA_TASK_ROOT}/<package>`) and the
packages every database image shares (SHARED_PACKAGES: `tapstack_db`, which holds the one RDS
bundle); here those packages are copied from where the interpreter imports them into a task
root of its own, and every AWS RDS trust bundle in them gets the emulator's CA appended (the
emulator's CA stands in for the RDS CA, as in extracted zips). The copy comes first on
PYTHONPATH, so the handler reads files next to its modules exactly as in the image. One task
root per package content.
"""

import hashlib
import shutil
import subprocess
import uuid
from pathlib import Path

from tapstack_emulator import runtime, tls

FIND_PACKAGE = (
    "import importlib.util, sys\n"
    "spec = importlib.util.find_spec(sys.argv[1])\n"
    "locations = spec and spec.submodule_search_locations\n"
    "print(locations[0] if locations else (spec and spec.origin) or '')\n"
)
SKIPPED = ("__pycache__",)
# Copied beside every function's package where the interpreter has them, as the database
# images copy them (lambda/tapstack_db).
SHARED_PACKAGES = ("tapstack_db",)


class ImageRootError(RuntimeError):
    """The interpreter standing in for the image cannot import the function's package."""


def package_dir(python: str, package: str) -> Path:
    """Where `python` imports the top-level `package` from (its folder, or a module's file)."""
    found = subprocess.run(  # noqa: S603 - our interpreter, a fixed program
        [python, "-P", "-c", FIND_PACKAGE, package],
        capture_output=True,
        text=True,
        check=False,
    )
    location = found.stdout.strip()
    if found.returncode != 0 or not location:
        raise ImageRootError(
            f"the image interpreter {python} has no package {package!r} "
            f"(the function's command needs it): {found.stderr.strip()[-300:]}"
        )
    return Path(location)


def _files(source: Path) -> list[Path]:
    if source.is_file():
        return [source]
    return sorted(
        path
        for path in source.rglob("*")
        if path.is_file() and not any(part in SKIPPED for part in path.parts)
    )


def _destination(source: Path, path: Path, package: str) -> Path:
    """Where `path` goes under the task root: `package/...`, or a module's own file name."""
    return Path(path.name) if source.is_file() else Path(package) / path.relative_to(source)


def task_root(python: str, handler: str, is_rds_bundle) -> Path:
    """A task root holding `handler`'s top-level package and SHARED_PACKAGES, RDS bundles
    extended with the emulator's CA (`is_rds_bundle(name)` says which files are such bundles)."""
    package = handler.split(".", 1)[0]
    copies = []  # (file, where it goes under the task root)
    for name in dict.fromkeys((package, *SHARED_PACKAGES)):
        try:
            source = package_dir(python, name)
        except ImageRootError:
            if name == package:
                raise
            continue  # an interpreter without the shared package: the function does not use it
        copies += [(path, _destination(source, path, name)) for path in _files(source)]
    digest = hashlib.sha256()
    for path, destination in copies:
        digest.update(str(destination).encode() + b"\0")
        digest.update(path.read_bytes())
    digest.update(tls.bundle().read_bytes())
    root = runtime.work_dir() / "lambda" / f"image-{package}-{digest.hexdigest()[:16]}"
    if root.is_dir():
        return root
    partial = root.with_name(f".{root.name}.{uuid.uuid4().hex}")
    for path, destination in copies:
        target = partial / destination
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        if is_rds_bundle(path.name):
            with target.open("a", encoding="utf-8") as pem:
                pem.write("\n" + tls.bundle().read_text())
    try:
        partial.rename(root)
    except OSError:  # another invocation built the same root first
        shutil.rmtree(partial, ignore_errors=True)
        if not root.is_dir():
            raise
    return root
