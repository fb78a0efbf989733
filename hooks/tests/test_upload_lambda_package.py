"""!upload_lambda_package: a deterministic Lambda zip of a workspace member, shipped once."""

import io
import uuid
import zipfile
from pathlib import Path

import pytest
from sceptre.exceptions import InvalidHookArgumentSyntaxError
from sceptre.stack import Stack
from tapstack_hooks.artifacts import ArtifactUploadError
from tapstack_hooks.upload_lambda_package import UploadLambdaPackage, build_package

PROJECT = Path(__file__).resolve().parents[2]
PACKAGE = "tapstack-secure-parameter"


@pytest.fixture(scope="module")
def bundle() -> bytes:
    return build_package(PROJECT, PACKAGE)


def make_hook(argument: object) -> UploadLambdaPackage:
    stack = Stack(
        name="dev/us-east-1/database",
        project_code="tapstack",
        template_handler_config={"type": "file", "path": "database.py"},
        region="us-east-1",
        stack_group_config={"project_path": str(PROJECT)},
    )
    return UploadLambdaPackage(argument).clone_for_stack(stack)


def test_package_holds_the_handler_and_its_locked_dependencies(bundle):
    names = zipfile.ZipFile(io.BytesIO(bundle)).namelist()
    assert "tapstack_secure_parameter/handler.py" in names
    assert "crhelper/__init__.py" in names
    assert "aws_lambda_powertools/__init__.py" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith((".", "bin/"))]


def test_the_same_sources_build_the_same_bytes(bundle):
    assert build_package(PROJECT, PACKAGE) == bundle


def test_unknown_package_fails_naming_it():
    with pytest.raises(ArtifactUploadError, match="no workspace member named 'tapstack-nope'"):
        build_package(PROJECT, "tapstack-nope")


@pytest.mark.parametrize(
    "argument",
    [
        pytest.param({"package": PACKAGE, "parameter": "P"}, id="no-bucket"),
        pytest.param({"package": "bad name", "bucket": "b", "parameter": "P"}, id="bad-name"),
        pytest.param(
            {"package": PACKAGE, "bucket": "b", "parameter": "P", "python": "3.9"}, id="old-python"
        ),
        pytest.param("tapstack-migrator", id="string"),
    ],
)
def test_malformed_argument_fails_at_setup(argument):
    with pytest.raises(InvalidHookArgumentSyntaxError, match=r"dev/us-east-1/database: .*You gave"):
        make_hook(argument)


def test_uploads_once_and_passes_the_key(local_aws_env):
    local_aws = local_aws_env
    bucket = f"tapstack-artifacts-{uuid.uuid4().hex[:12]}"
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    argument = {"package": PACKAGE, "bucket": bucket, "parameter": "SecureParameterCodeKey"}
    for _ in range(2):
        hook = make_hook(argument)
        hook.run()
    key = hook.stack.parameters["SecureParameterCodeKey"]
    assert key.startswith(f"lambda/{PACKAGE}/") and key.endswith(".zip")
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [obj["Key"] for obj in listed] == [key]
