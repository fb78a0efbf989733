"""Behaviours real AWS CloudFormation has and moto lacks, patched into moto's classes.

Each module has one `apply()`; they run once, in the server process, before it serves.
"""

import importlib

MODULES = ("intrinsics", "no_op_update", "stack_events", "stack_operations")


def apply() -> None:
    """Apply every behaviour patch."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}").apply()
