"""What the Lambda images take from outside the repository: nothing unpinned.

A CA bundle in an image is the packaged copy (lambda/migrator/scripts/refresh_rds_ca_bundle.py
writes the same bytes to every package that connects to Aurora), copied from the build
context; a file fetched from a URL must carry `ADD --checksum=sha256:...`. The test fails when
an image's bundle drifts from the packaged copy or a URL is fetched without a checksum."""

import re

import pytest
from rendered_templates import PROJECT_DIR

PACKAGED_BUNDLE = PROJECT_DIR / "lambda/migrator/src/tapstack_migrator/rds-ca-bundle.pem"
DOCKERFILES = sorted((PROJECT_DIR / "lambda").glob("*/Dockerfile"))
# lambda/sync stays untouched in issue 18: its owner applies the same change (docs/security.md).
FROZEN = {"sync": "lambda/sync is not changed by issue 18; it still ADDs the bundle by URL"}


def instructions(dockerfile) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize(
    "dockerfile",
    [
        pytest.param(
            path,
            id=path.parent.name,
            marks=[pytest.mark.skip(reason=FROZEN[path.parent.name])]
            if path.parent.name in FROZEN
            else [],
        )
        for path in DOCKERFILES
    ],
)
def test_the_image_takes_nothing_unpinned(dockerfile):
    assert DOCKERFILES, "no Lambda Dockerfile found"
    lines = instructions(dockerfile)
    for line in lines:
        if line.startswith("ADD") and re.search(r"https?://", line):
            assert re.search(r"--checksum=sha256:[0-9a-f]{64}\b", line), line
    bundles = [line for line in lines if line.startswith("COPY") and ".pem" in line]
    assert bundles, f"{dockerfile}: no CA bundle copied into the image"
    for line in bundles:
        source = next(word for word in line.split()[1:] if not word.startswith("--"))
        copied = dockerfile.parent / source
        assert copied.read_bytes() == PACKAGED_BUNDLE.read_bytes(), (
            f"{copied} drifted from the packaged copy {PACKAGED_BUNDLE}: run "
            "lambda/migrator/scripts/refresh_rds_ca_bundle.py"
        )
        destination = line.split()[-1].replace("${LAMBDA_TASK_ROOT}", "/var/task")
        assert f"ENV DATABASE_CA_BUNDLE={destination}" in lines, line


def test_the_check_fails_on_a_drifted_bundle_and_an_unpinned_download(tmp_path):
    # The test above must be able to fail: a changed certificate and a bare ADD of a URL.
    validator = PROJECT_DIR / "lambda/validator"
    (tmp_path / "rds-ca-bundle.pem").write_bytes(PACKAGED_BUNDLE.read_bytes() + b"\n")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text((validator / "Dockerfile").read_text())
    with pytest.raises(AssertionError, match="drifted from the packaged copy"):
        test_the_image_takes_nothing_unpinned(dockerfile)
    (tmp_path / "rds-ca-bundle.pem").write_bytes(PACKAGED_BUNDLE.read_bytes())
    dockerfile.write_text(
        dockerfile.read_text().replace(
            "COPY requirements.txt",
            "ADD https://example.com/extra.pem /var/task/extra.pem\nCOPY requirements.txt",
        )
    )
    with pytest.raises(AssertionError, match=re.escape("ADD https://example.com")):
        test_the_image_takes_nothing_unpinned(dockerfile)
