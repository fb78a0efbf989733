"""`type: python_file`: renders Python templates like Sceptre's `file` handler, each render in a
module of its own, so threads rendering one template at once never share one (Sceptre's loader
keeps one module per path and re-executes it: issue #933)."""

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sceptre.exceptions import TemplateNotFoundError, TemplateSceptreHandlerError
from tapstack_hooks.python_file import PythonFile

THREADS = 8
RENDERS = 64
# The module body sleeps a little, as troposphere templates take milliseconds to import: renders
# overlap. Each reports the module it ran in.
TEMPLATE = """
import time

from shared_block import describe

time.sleep(0.005)


def sceptre_handler(sceptre_user_data):
    return describe(sceptre_user_data, __name__)
"""
BLOCK = """
import json


def describe(user_data, module):
    return json.dumps({"Description": user_data["name"], "Module": module})
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with one Python template importing a sibling module, and one JSON template."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "network.py").write_text(TEMPLATE)
    (templates / "shared_block.py").write_text(BLOCK)
    (templates / "plain.json").write_text('{"Resources": {}}')
    (templates / "no_handler.py").write_text("VALUE = 1\n")
    return tmp_path


def handler(project: Path, path: str, name: str = "dev") -> PythonFile:
    return PythonFile(
        name=f"{name}/network",
        arguments={"path": path},
        sceptre_user_data={"name": name},
        stack_group_config={"project_path": str(project)},
    )


def test_renders_a_python_template_that_imports_its_siblings(project: Path) -> None:
    assert json.loads(handler(project, "network.py").handle())["Description"] == "dev"


def test_leaves_no_module_behind(project: Path) -> None:
    before = set(sys.modules)
    handler(project, "network.py").handle()
    assert not {name for name in set(sys.modules) - before if "network" in name}


def test_threads_rendering_one_template_each_run_in_a_module_of_their_own(project: Path) -> None:
    names = [f"env{index}" for index in range(RENDERS)]
    with ThreadPoolExecutor(THREADS) as pool:
        bodies = [
            json.loads(body)
            for body in pool.map(lambda name: handler(project, "network.py", name).handle(), names)
        ]
    assert [body["Description"] for body in bodies] == names
    modules = {body["Module"] for body in bodies}
    assert len(modules) == RENDERS  # Sceptre's loader would report one name: the path
    assert not modules & set(sys.modules)


def test_other_template_kinds_go_to_sceptres_file_handler(project: Path) -> None:
    assert json.loads(handler(project, "plain.json").handle()) == {"Resources": {}}


def test_a_template_without_sceptre_handler_is_one_clear_error(project: Path) -> None:
    with pytest.raises(TemplateSceptreHandlerError, match=r"no_handler\.py.*sceptre_handler"):
        handler(project, "no_handler.py").handle()


def test_a_missing_template_names_its_path(project: Path) -> None:
    with pytest.raises(TemplateNotFoundError, match=r"missing\.py"):
        handler(project, "missing.py").handle()
