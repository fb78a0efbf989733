"""Sceptre as a user has it, for the plugins' tests: a scratch project on disk and the `sceptre`
CLI run on it in-process (what a user sees: one message, never a traceback), and a hook placed
under a hook point of a stack the way Sceptre's config reader places it.

    project = write_project(tmp_path, {"config/config.yaml": "...", "templates/x.json": "{}"})
    run = sceptre(project, "generate", "dev/x.yaml")
    assert run.clean and run.exit_code == 1 and "expected message" in run.output
"""

import logging
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sceptre.cli import cli
from sceptre.hooks import Hook
from sceptre.stack import Stack

STACK = {
    "name": "dev/us-east-1/example",
    "project_code": "tapstack",
    "template_handler_config": {"type": "file", "path": "example.json"},
    "region": "us-east-1",
}


@dataclass(frozen=True)
class CliRun:
    """What one `sceptre` command printed and how it ended."""

    exit_code: int
    output: str
    exception: BaseException | None

    @property
    def clean(self) -> bool:
        """True when the command ended normally or through Sceptre's own error handling (one
        message, exit 1), not with an exception that would print a traceback."""
        return self.exception is None or isinstance(self.exception, SystemExit)


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write `{relative path: text}` under `root` and return it."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def sceptre(project: Path, *arguments: str) -> CliRun:
    """`sceptre --dir PROJECT --no-colour ARGUMENTS` in this process; its output and ending."""
    logger = logging.getLogger("sceptre")
    handlers, level = list(logger.handlers), logger.level
    try:
        result = CliRunner().invoke(cli, ["--dir", str(project), "--no-colour", *arguments])
    finally:  # each run adds a handler on its own (captured, then closed) stream
        logger.handlers, logger.level = handlers, level
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += "".join(traceback.format_exception(result.exception))
    return CliRun(result.exit_code, output, result.exception)


def place_hook(hook: Hook, point: str, plan: bool = True, **stack: Any) -> Hook:
    """The clone of `hook` that Sceptre runs under `point` of a new stack.

    Sceptre's config reader builds a stack with `hooks=config["hooks"]` and `config=config`: the
    stack's config holds the very mapping its hooks are set up from, so `setup()` sees its hook
    point. `plan=False` leaves the config out, as a stack built by hand has none: then only
    `run()` can check the hook point.
    """
    hooks: dict[str, Any] = {point: [hook]}
    built = Stack(**{**STACK, **stack}, hooks=hooks, config={"hooks": hooks} if plan else {})
    return built.hooks[point][0]
