"""Where a stack's Sceptre project is: the folder hooks and resolvers resolve paths against."""

import os
from pathlib import Path


def project_path(stack) -> Path:
    """The stack group's `project_path`, else the working directory (where `sceptre` runs)."""
    return Path(stack.stack_group_config.get("project_path") or os.getcwd())
