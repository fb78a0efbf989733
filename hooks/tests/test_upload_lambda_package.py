"""!upload_lambda_package and !lambda_package_key: a deterministic Lambda zip of a workspace
member, shipped once, and its key; arguments checked when Sceptre builds its plan."""

import hashlib
import io
import os
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest
from sceptre.exceptions import InvalidHookArgumentSyntaxError, InvalidResolverArgumentError
from sceptre.stack import Stack
from tapstack_hooks.artifacts import ArtifactUploadError
from tapstack_hooks.hook_points import HookPlacementError
from tapstack_hooks.lambda_package import INSTALL_RECORDS, build_package, built_package
from tapstack_hooks.lambda_package_key import LambdaPackageKey
from tapstack_hooks.upload_lambda_package import UploadLambdaPackage

PROJECT = Path(__file__).resolve().parents[2]
PACKAGE = "tapstack-secure-parameter"


@pytest.fixture(scope="module")
def bundle() -> bytes:
    """This checkout's package, built once for the module and the hook's own uploads."""
    return built_package(PROJECT, PACKAGE, "3.12", "x86_64")


def make_hook(place, argument: object, point: str = "before_create") -> UploadLambdaPackage:
    return place(
        UploadLambdaPackage(argument),
        point,
        name="dev/us-east-1/database",
        stack_group_config={"project_path": str(PROJECT)},
    )


# --- the package ---------------------------------------------------------------------------


def test_package_holds_the_handler_and_its_locked_dependencies(bundle):
    names = zipfile.ZipFile(io.BytesIO(bundle)).namelist()
    assert "tapstack_secure_parameter/handler.py" in names
    assert "crhelper/__init__.py" in names
    assert "aws_lambda_powertools/__init__.py" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith((".", "bin/"))]


def test_package_holds_nothing_about_the_machine_it_was_built_on(bundle):
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    names = archive.namelist()
    assert not [n for n in names if n.split("/")[-1] in INSTALL_RECORDS]
    member = "tapstack_secure_parameter-0.1.0.dist-info"
    assert f"{member}/METADATA" in names and f"{member}/WHEEL" not in names
    for record in [n for n in names if n.endswith(".dist-info/RECORD")]:
        listed = [line.split(",", 1)[0] for line in archive.read(record).decode().splitlines()]
        assert set(listed) <= set(names), record
    assert str(PROJECT).encode() not in b"".join(archive.read(n) for n in names)


def checkout(destination: Path) -> Path:
    """A copy of this checkout's files (tracked and new, not ignored) at `destination`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=PROJECT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = PROJECT / relative
        if source.is_file():
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def test_the_key_depends_on_the_sources_only_not_on_the_folder_or_the_cache(
    bundle, tmp_path, monkeypatch
):
    # The same commit in two other folders, each built with a fresh uv cache, names the same
    # key as this checkout: a CI runner and a laptop upload one object, once.
    keys = {"this checkout": hashlib.sha256(bundle).hexdigest()}
    for folder in ("one/tapstack", "elsewhere/deeper/checkout"):
        project = checkout(tmp_path / folder)
        cache = tmp_path / f"cache-of-{folder.replace('/', '-')}"
        monkeypatch.setenv("UV_CACHE_DIR", str(cache))
        keys[folder] = hashlib.sha256(build_package(project, PACKAGE)).hexdigest()
        assert any(cache.iterdir())  # built with that fresh cache
    assert len(set(keys.values())) == 1, keys
    # AND a change in the member's code is a new key
    handler = project / "lambda/secure_parameter/src/tapstack_secure_parameter/handler.py"
    handler.write_text(handler.read_text() + "\n# a change\n")
    assert hashlib.sha256(build_package(project, PACKAGE)).hexdigest() not in keys.values()


def test_unknown_package_fails_naming_it():
    with pytest.raises(ArtifactUploadError, match="no workspace member named 'tapstack-nope'"):
        build_package(PROJECT, "tapstack-nope")


@pytest.mark.parametrize(
    ("uv", "message"),
    [
        pytest.param("/bad/path", "UV='/bad/path' is not an executable uv", id="no such file"),
        pytest.param(__file__, "is not an executable uv", id="not executable"),
    ],
)
def test_a_bad_uv_setting_is_one_clear_error(monkeypatch, uv, message):
    monkeypatch.setenv("UV", uv)
    with pytest.raises(ArtifactUploadError, match=message) as caught:
        build_package(PROJECT, PACKAGE)
    assert "unset UV to use the uv on PATH" in str(caught.value)


def test_no_uv_at_all_says_how_to_get_it(monkeypatch):
    monkeypatch.delenv("UV", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ArtifactUploadError, match="uv is needed to build Lambda packages"):
        build_package(PROJECT, PACKAGE)


# --- arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("python", "expected"),
    [
        pytest.param(3.12, "3.12", id="3.12 as a YAML number"),
        pytest.param("3.13", "3.13", id="3.13 as text"),
        pytest.param(3.11, "3.11", id="3.11 as a YAML number"),
        pytest.param("3.10", "3.10", id="3.10 as text"),
    ],
)
def test_python_versions_are_accepted_as_numbers_and_as_text(place, python, expected):
    hook = make_hook(place, {"package": PACKAGE, "bucket": "b", "python": python})
    assert hook._arguments.python == expected
    resolver = LambdaPackageKey({"package": PACKAGE, "python": python}).clone_for_stack(hook.stack)
    resolver.setup()
    assert resolver._arguments.python == expected


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        pytest.param(
            {"package": PACKAGE, "parameter": "P"}, "`bucket` is missing: it takes", id="no bucket"
        ),
        pytest.param(
            {"package": "bad name", "bucket": "b"},
            "`package` takes a workspace member's project name",
            id="bad name",
        ),
        pytest.param(
            {"package": PACKAGE, "bucket": "b", "python": "3.9"},
            "`python` takes a Lambda Python version, 3.10, 3.11, 3.12, 3.13 (number or text), "
            "not '3.9'",
            id="old python",
        ),
        pytest.param(
            {"package": PACKAGE, "bucket": "b", "python": 3.10},
            "not 3.1 (YAML reads an unquoted 3.10 as the number 3.1: write '3.10')",
            id="3.10 read as 3.1",
        ),
        pytest.param(
            {"package": PACKAGE, "bucket": "b", "architecture": "arm"},
            "`architecture` takes the Lambda architecture, x86_64 or arm64, not 'arm'",
            id="architecture",
        ),
        pytest.param(
            {"package": PACKAGE, "bucket": "b", "pyhton": "3.12"},
            "unknown key `pyhton` (the keys are package, bucket, parameter, python, architecture)",
            id="misspelt key",
        ),
        pytest.param(
            "tapstack-migrator",
            "the argument must be a mapping of package, bucket",
            id="a string",
        ),
    ],
)
def test_malformed_argument_fails_at_setup_naming_the_key(place, argument, message):
    with pytest.raises(InvalidHookArgumentSyntaxError) as caught:
        make_hook(place, argument)
    assert str(caught.value).startswith("dev/us-east-1/database: !upload_lambda_package: ")
    assert message in str(caught.value)
    assert f"You gave {argument!r}." in str(caught.value)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        pytest.param({"package": PACKAGE, "python": 3.9}, "`python` takes", id="old python"),
        pytest.param({"packages": PACKAGE}, "unknown key `packages`", id="misspelt key"),
        pytest.param(7, "the argument must be a mapping of package", id="a number"),
    ],
)
def test_malformed_resolver_argument_fails_at_setup_naming_the_key(argument, message):
    stack = Stack(
        name="dev/us-east-1/database",
        project_code="tapstack",
        template_handler_config={"type": "file", "path": "database.py"},
        region="us-east-1",
    )
    with pytest.raises(InvalidResolverArgumentError) as caught:
        LambdaPackageKey(argument).clone_for_stack(stack).setup()
    assert "dev/us-east-1/database - !lambda_package_key: " in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize("point", ["after_create", "before_delete", "before_launch"])
def test_other_hook_points_are_refused(place, point):
    with pytest.raises(HookPlacementError, match="belongs under before_create or before_update"):
        make_hook(place, {"package": PACKAGE, "bucket": "b"}, point)


# --- upload, on the local AWS --------------------------------------------------------------


def test_uploads_once_and_passes_the_key(local_aws_env, place):
    bucket = f"tapstack-artifacts-{uuid.uuid4().hex[:12]}"
    s3 = local_aws_env.client("s3")
    s3.create_bucket(Bucket=bucket)
    argument = {"package": PACKAGE, "bucket": bucket, "parameter": "SecureParameterCodeKey"}
    for _ in range(2):
        hook = make_hook(place, argument)
        hook.run()
    key = hook.stack.parameters["SecureParameterCodeKey"]
    assert key.startswith(f"lambda/{PACKAGE}/") and key.endswith(".zip")
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [obj["Key"] for obj in listed] == [key]


def test_a_bad_uv_stops_the_hook_naming_the_stack(place, monkeypatch):
    monkeypatch.setenv("UV", "/bad/path")
    hook = make_hook(place, {"package": "tapstack-rotation", "bucket": "b", "python": "3.13"})
    with pytest.raises(ArtifactUploadError) as caught:
        hook.run()
    assert str(caught.value).startswith("dev/us-east-1/database: !upload_lambda_package: UV=")
    assert os.environ["UV"] == "/bad/path"
