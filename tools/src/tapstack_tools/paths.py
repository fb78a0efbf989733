"""Where the project's checkout is, for tools that read config/, templates/ and docs/."""

from pathlib import Path


def _find_project_dir() -> Path:
    """The checkout holding this package (an editable install, as uv's workspace makes), else
    the one the working directory is in (a built install, as the plugin matrix makes)."""
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "config" / "config.yaml").is_file() and (folder / "emulator").is_dir():
                return folder
    raise RuntimeError(
        f"no tapstack checkout around {Path(__file__).parent} or {Path.cwd()}: run from one"
    )


PROJECT_DIR = _find_project_dir()
