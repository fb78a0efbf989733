"""Every Lambda function is a container image built the same way (issue 24): the pinned base
(tests/test_supply_chain.py), exactly the locked dependencies from wheels with hashes, the
function's package, and a CMD that names a handler the package has.

requirements.txt must be what `uv export` makes of uv.lock for the package (regenerate with the
command in each Dockerfile); a stale file fails here, and so does a CMD naming a module or
function the package lacks."""

import ast
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tapstack_tools.rendered_templates import PROJECT_DIR, render_all, template_document

# Packages the functions' images share (named build contexts), not functions of their own.
LIBRARIES = {"tapstack_db"}
FUNCTIONS = sorted(
    path.parent
    for path in (PROJECT_DIR / "lambda").glob("*/pyproject.toml")
    if path.parent.name not in LIBRARIES
)


def _distribution(folder: Path) -> str:
    match = re.search(r'^name = "([^"]+)"', (folder / "pyproject.toml").read_text(), re.M)
    assert match, f"{folder}/pyproject.toml has no project name"
    return match.group(1)


def _exported(distribution: str, scratch: Path) -> list[str]:
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is needed to export the lock"
    exported = scratch / "requirements.txt"
    subprocess.run(  # noqa: S603 - fixed argv
        [uv, "export", "--frozen", "--quiet", "--no-dev", "--package", distribution,
         "--no-emit-workspace", "--no-header", "--output-file", str(exported)],
        cwd=PROJECT_DIR,
        check=True,
    )  # fmt: skip
    return exported.read_text().splitlines()


def _committed(folder: Path) -> list[str]:
    lines = (folder / "requirements.txt").read_text().splitlines()
    return [line for line in lines if not line.startswith("#")]


def test_every_function_is_an_image():
    assert FUNCTIONS, "no Lambda package found"
    missing = [folder.name for folder in FUNCTIONS if not (folder / "Dockerfile").is_file()]
    assert not missing, (
        f"Lambda packages without a Dockerfile (every function is an image): {missing}"
    )


@pytest.mark.parametrize("folder", FUNCTIONS, ids=lambda folder: folder.name)
def test_requirements_match_the_lock(folder, tmp_path):
    exported = [
        line for line in _exported(_distribution(folder), tmp_path) if not line.startswith("#")
    ]
    assert _committed(folder) == exported, (
        f"lambda/{folder.name}/requirements.txt is stale; regenerate it (command in the Dockerfile)"
    )


@pytest.mark.parametrize("folder", FUNCTIONS, ids=lambda folder: folder.name)
def test_the_image_installs_hashed_wheels_and_runs_a_handler_of_its_package(folder):
    dockerfile = (folder / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "--only-binary=:all:" in dockerfile
    (command,) = re.findall(r"^CMD (\[.*\])$", dockerfile, re.M)
    (handler,) = json.loads(command)
    module, function = handler.rsplit(".", 1)
    source = folder / "src" / (module.replace(".", "/") + ".py")
    assert f"COPY src/{module.split('.')[0]} " in dockerfile, "the image does not copy the package"
    assert source.is_file(), f"CMD {handler}: {source} does not exist"
    defined = {node.name for node in ast.parse(source.read_text()).body if hasattr(node, "name")}
    assert function in defined, f"CMD {handler}: {source} defines no {function}"


def test_a_stale_lock_export_and_a_wrong_command_are_caught(tmp_path):
    # The checks above must be able to fail: a dropped pin, and a CMD naming a missing function.
    folder = tmp_path / "migrator"
    shutil.copytree(PROJECT_DIR / "lambda/migrator", folder, ignore=shutil.ignore_patterns("tests"))
    requirements = folder / "requirements.txt"
    requirements.write_text(requirements.read_text().replace("pymysql==", "pymysql===", 1))
    with pytest.raises(AssertionError, match=r"requirements\.txt is stale"):
        test_requirements_match_the_lock(folder, tmp_path)
    dockerfile = folder / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(".handler.handler", ".handler.main"))
    with pytest.raises(AssertionError, match="defines no main"):
        test_the_image_installs_hashed_wheels_and_runs_a_handler_of_its_package(folder)


def test_every_rendered_function_is_an_image_whose_command_is_its_dockerfiles_cmd():
    # The seeds' rule, on what CloudFormation receives: no zip, no inline code, and where a
    # template names the handler (ImageConfig.Command), it is the CMD of that function's image.
    commands = {
        json.loads(re.findall(r"^CMD (\[.*\])$", (folder / "Dockerfile").read_text(), re.M)[0])[0]
        for folder in FUNCTIONS
    }
    functions = 0
    for stack, rendered in render_all().items():
        document = template_document(rendered["body"])
        for logical_id, resource in document.get("Resources", {}).items():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            functions += 1
            properties = resource["Properties"]
            where = f"{stack}: {logical_id}"
            assert properties.get("PackageType") == "Image", f"{where} is not an image"
            assert set(properties["Code"]) == {"ImageUri"}, f"{where}: {properties['Code']}"
            assert "Runtime" not in properties and "Handler" not in properties, where
            for command in properties.get("ImageConfig", {}).get("Command", [])[:1]:
                assert command in commands, f"{where}: Command {command} is no image's CMD"
    assert functions >= 5
