"""Turn pydantic validation errors into one message naming file, key and value."""

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError


def config_files_for(project_path: str, stack_name: str) -> list[Path]:
    """Config files that shape a stack, most specific first (stack file, then config.yaml up)."""
    config_dir = Path(project_path, "config")
    stack_file = config_dir / f"{stack_name}.yaml"
    files = [stack_file]
    directory = stack_file.parent
    while True:
        files.append(directory / "config.yaml")
        if directory == config_dir:
            return files
        directory = directory.parent


def where_key_is_set(files: Iterable[Path], key: str, project_path: str) -> str:
    """The most specific config file that sets top-level `key`, relative to the project."""
    prefix = f"{key}:"
    for file in files:
        if file.is_file() and any(
            line.startswith(prefix) for line in file.read_text(encoding="utf-8").splitlines()
        ):
            return str(file.relative_to(project_path))
    return "config/ (key not set in any file)"


def describe_validation_error(
    error: ValidationError, values: dict, files: list[Path], project_path: str
) -> list[str]:
    """One line per problem: `file: key = value: reason`."""
    lines = []
    for problem in error.errors():
        location = [str(part) for part in problem["loc"]]
        top_key = location[0] if location else ""
        shown_value = values.get(top_key, "<missing>") if top_key else values
        if len(location) > 1 and isinstance(shown_value, dict | list):
            shown_value = _dig(shown_value, location[1:])
        file = where_key_is_set(files, top_key, project_path) if top_key else files[-1]
        key = ".".join(location) if location else "(model)"
        reason = problem["msg"].removeprefix("Value error, ")
        if isinstance(shown_value, dict | list):  # the reason names the values involved
            lines.append(f"{file}: {key}: {reason}")
        else:
            lines.append(f"{file}: {key} = {shown_value!r}: {reason}")
    return lines


def _dig(value: object, path: list[str]) -> object:
    for part in path:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            break
    return value
