"""Log lines carry the stack name once: Sceptre's logger adapter prefixes every hook's lines with
it (`dev/us-east-1/storage - emptied …`), so no hook adds it again."""

import ast
from pathlib import Path

import pytest

SOURCES = sorted((Path(__file__).resolve().parents[1] / "src" / "tapstack_hooks").glob("*.py"))
LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}


def logger_calls_naming_the_stack(source: Path) -> list[int]:
    """Lines of `self.logger.<level>(...)` calls that pass `self.stack.name`."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LEVELS
            and ast.unparse(node.func.value) == "self.logger"
            and "self.stack.name" in ast.unparse(node)
        ):
            found.append(node.lineno)
    return found


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.name)
def test_no_hook_adds_the_stack_name_to_its_log_lines(source):
    assert logger_calls_naming_the_stack(source) == []


def test_the_check_finds_a_doubled_prefix(tmp_path):
    doubled = tmp_path / "doubled.py"
    doubled.write_text('def run(self):\n    self.logger.info("%s: done", self.stack.name)\n')
    assert logger_calls_naming_the_stack(doubled) == [2]
