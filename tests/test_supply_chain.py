"""What the Lambda images take from outside the repository: nothing unpinned.

- Every `FROM` names the one base image, pinned by digest (BASE_IMAGE): a moved tag cannot
  change what is built, and all images move together when the pin is refreshed
  (docs/security.md, "Supply chain").
- A CA bundle in an image (every image whose package has a MySQL driver needs one) is the one
  packaged copy (lambda/tapstack_db, written by `tapstack-refresh-rds-ca-bundle`), copied from
  the build context or a named build context (`COPY --from=tapstack_db`), either as a loose file
  with DATABASE_CA_BUNDLE naming it, or inside a package. A file fetched from a URL must carry
  `ADD --checksum=sha256:...`.
The tests fail when an image's bundle drifts from the packaged copy, a URL is fetched without a
checksum, or a base image is unpinned or pinned differently."""

import re
from pathlib import Path

import pytest
from tapstack_hooks.build_context import named_contexts
from tapstack_tools.rendered_templates import PROJECT_DIR

PACKAGED_BUNDLE = PROJECT_DIR / "lambda/tapstack_db/src/tapstack_db/rds-ca-bundle.pem"
BUNDLE_NAME = PACKAGED_BUNDLE.name
DOCKERFILES = sorted((PROJECT_DIR / "lambda").glob("*/Dockerfile"))
# AWS's Lambda Python 3.12 base image, by digest (refresh: docs/security.md, "Supply chain").
BASE_IMAGE = (
    "public.ecr.aws/lambda/python:3.12"
    "@sha256:8e75daf5b46d34c8ea7336eb7a3e3dbd4d43032689dbd401e52c6d319d312e37"
)


def instructions(dockerfile: Path) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _copied(line: str, contexts: dict[str, Path]) -> list[tuple[Path, str]]:
    """(source, destination in the image) of a COPY from the build context or a named one;
    nothing for a COPY from a build stage."""
    words = line.split()[1:]
    named = [word.removeprefix("--from=") for word in words if word.startswith("--from=")]
    context = contexts.get(named[0]) if named else contexts[""]
    paths = [word for word in words if not word.startswith("--")]
    destination = paths[-1].replace("${LAMBDA_TASK_ROOT}", "/var/task")
    return [(context / source, destination) for source in paths[:-1]] if context else []


def image_bundles(dockerfile: Path) -> dict[Path, str]:
    """Every CA bundle the image copies (loose or inside a package): {file: path in the image}."""
    contexts = {"": dockerfile.parent, **named_contexts(dockerfile.parent, dockerfile.name)}
    found = {}
    for line in instructions(dockerfile):
        if not line.startswith("COPY"):
            continue
        for source, destination in _copied(line, contexts):
            if source.is_dir():
                for bundle in sorted(source.rglob(BUNDLE_NAME)):
                    found[bundle] = f"{destination}/{bundle.relative_to(source).as_posix()}"
            elif source.suffix == ".pem":
                found[source] = destination
    return found


def connects_to_databases(folder: Path) -> bool:
    """Whether the function's package depends on a MySQL driver (then it needs the bundle)."""
    pyproject = (folder / "pyproject.toml").read_text().lower()
    return any(f'"{driver}' in pyproject for driver in ("pymysql", "mysqlclient"))


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.parent.name)
def test_the_image_takes_nothing_unpinned(dockerfile):
    assert DOCKERFILES, "no Lambda Dockerfile found"
    lines = instructions(dockerfile)
    bases = [line.split()[1] for line in lines if line.startswith("FROM")]
    assert bases, f"{dockerfile}: no FROM"
    for base in bases:
        assert base == BASE_IMAGE, f"{dockerfile}: FROM {base} is not the pinned base {BASE_IMAGE}"
    for line in lines:
        if line.startswith("ADD") and re.search(r"https?://", line):
            assert re.search(r"--checksum=sha256:[0-9a-f]{64}\b", line), line
    bundles = image_bundles(dockerfile)
    if connects_to_databases(dockerfile.parent):
        assert bundles, f"{dockerfile}: no CA bundle copied into the image"
    for copied in bundles:
        assert copied.read_bytes() == PACKAGED_BUNDLE.read_bytes(), (
            f"{copied} drifted from the packaged copy {PACKAGED_BUNDLE}: run "
            "tapstack-refresh-rds-ca-bundle"
        )
    for line in lines:
        if line.startswith("COPY") and ".pem" in line:
            destination = line.split()[-1].replace("${LAMBDA_TASK_ROOT}", "/var/task")
            assert f"ENV DATABASE_CA_BUNDLE={destination}" in lines, line
    for line in lines:
        if line.startswith("ENV DATABASE_CA_BUNDLE="):
            named = line.split("=", 1)[1]
            assert named in bundles.values(), f"{dockerfile}: {line} names no copied bundle"


def _copy_of(name: str, folder: Path) -> Path:
    """lambda/<name>'s Dockerfile and build context, and the named build contexts beside it,
    under `folder` (a scratch copy of lambda/)."""
    lambda_dir = PROJECT_DIR / "lambda"
    context = lambda_dir / name
    sources = [context / "Dockerfile", context / "pyproject.toml", *context.glob("src/*/*.pem")]
    for named in named_contexts(context).values():
        sources += named.glob("src/*/*.pem")
    for path in sources:
        target = folder / path.relative_to(lambda_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    return folder / name / "Dockerfile"


@pytest.mark.parametrize("name", ["validator", "sync"])
def test_the_check_fails_on_each_kind_of_drift(tmp_path, name):
    # The test above must be able to fail, for a loose bundle (validator) and a packaged one
    # (sync): a changed certificate, a bare ADD of a URL, an unpinned or differently pinned base.
    dockerfile = _copy_of(name, tmp_path)
    test_the_image_takes_nothing_unpinned(dockerfile)
    (bundle,) = image_bundles(dockerfile)
    bundle.write_bytes(PACKAGED_BUNDLE.read_bytes() + b"\n")
    with pytest.raises(AssertionError, match="drifted from the packaged copy"):
        test_the_image_takes_nothing_unpinned(dockerfile)
    bundle.write_bytes(PACKAGED_BUNDLE.read_bytes())
    pinned = dockerfile.read_text()
    for changed, message in (
        (
            pinned.replace("CMD [", "ADD https://example.com/extra.pem /var/task/extra.pem\nCMD ["),
            re.escape("ADD https://example.com"),
        ),
        (pinned.replace(BASE_IMAGE, "public.ecr.aws/lambda/python:3.12", 1), "not the pinned"),
        (pinned.replace(BASE_IMAGE, BASE_IMAGE[:-1] + "0", 1), "not the pinned"),
    ):
        dockerfile.write_text(changed)
        with pytest.raises(AssertionError, match=message):
            test_the_image_takes_nothing_unpinned(dockerfile)
