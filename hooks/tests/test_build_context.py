"""The build context hash: what docker would send, by path, mode and content only."""

import os

import pytest
from tapstack_hooks.build_context import (
    BuildContextError,
    context_files,
    context_tag,
    named_contexts,
)


def make_context(root, files: dict[str, str], ignore: str | None = None):
    for name, text in {"Dockerfile": "FROM scratch\n", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if ignore is not None:
        (root / ".dockerignore").write_text(ignore)
    return root


def test_same_files_give_the_same_tag_whatever_the_location_and_times(tmp_path):
    first = make_context(tmp_path / "a", {"src/app.py": "x = 1\n"})
    second = make_context(tmp_path / "b", {"src/app.py": "x = 1\n"})
    os.utime(second / "src/app.py", (1_700_000_000, 1_700_000_000))
    assert context_tag(first) == context_tag(second)
    assert len(context_tag(first)) == 64


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda root: (root / "src/app.py").write_text("x = 2\n"), id="content"),
        pytest.param(lambda root: (root / "src/new.py").write_text(""), id="new-file"),
        pytest.param(lambda root: (root / "src/app.py").rename(root / "src/b.py"), id="rename"),
        pytest.param(lambda root: (root / "src/app.py").chmod(0o755), id="executable-bit"),
    ],
)
def test_any_change_docker_would_see_changes_the_tag(tmp_path, change):
    root = make_context(tmp_path, {"src/app.py": "x = 1\n"})
    before = context_tag(root)
    change(root)
    assert context_tag(root) != before


def test_ignored_files_are_neither_sent_nor_hashed(tmp_path):
    ignore = "# comment\ntests\n**/__pycache__\n*.md\n"
    root = make_context(tmp_path, {"src/app.py": "x = 1\n"}, ignore)
    before = context_tag(root)
    make_context(
        root,
        {"tests/test_app.py": "", "src/__pycache__/app.pyc": "", "README.md": ""},
    )
    assert context_tag(root) == before
    # as in Docker, `*` stays within one folder: a/b.md is sent, so it is hashed
    make_context(root, {"a/b.md": ""})
    assert sorted(context_files(root)) == [".dockerignore", "Dockerfile", "a/b.md", "src/app.py"]
    assert context_tag(root) != before


@pytest.mark.parametrize(
    ("ignore", "message"),
    [
        pytest.param("*\n!src\n", r"exception patterns \(!src\) are not supported", id="negation"),
        pytest.param(None, "has no Dockerfile", id="no-dockerfile"),
    ],
)
def test_unsupported_contexts_are_refused(tmp_path, ignore, message):
    root = make_context(tmp_path, {}, ignore)
    if ignore is None:
        (root / "Dockerfile").unlink()
    with pytest.raises(BuildContextError, match=message):
        context_tag(root)


SHARED_COPY = "FROM scratch AS build\nFROM scratch\nCOPY --from=shared src/lib /lib\n"


def test_a_named_build_context_beside_the_context_counts_in_the_tag(tmp_path):
    # GIVEN a function whose Dockerfile copies from `shared`, a folder beside its context
    root = make_context(tmp_path / "app", {"Dockerfile": SHARED_COPY, "src/app.py": ""})
    make_context(tmp_path / "shared", {"src/lib/__init__.py": "x = 1\n"})
    (tmp_path / "shared/Dockerfile").unlink()
    before = context_tag(root)
    # WHEN the shared folder changes, THEN the tag does
    (tmp_path / "shared/src/lib/__init__.py").write_text("x = 2\n")
    assert named_contexts(root) == {"shared": tmp_path / "shared"}
    assert context_tag(root) != before


def test_build_stages_and_missing_folders_are_not_named_contexts(tmp_path):
    dockerfile = (
        "FROM scratch AS build\nFROM scratch\nCOPY --from=build /a /a\nCOPY --from=nginx /b /b\n"
    )
    root = make_context(tmp_path / "app", {"Dockerfile": dockerfile})
    make_context(tmp_path / "build", {"x": ""})  # a folder named like the stage: still the stage
    assert named_contexts(root) == {}
