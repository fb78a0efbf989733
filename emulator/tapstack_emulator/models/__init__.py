"""CloudFormation models for the resource types moto lacks or implements incompletely.

Each module registers its models with `tapstack_emulator.registry.register` on import.
"""

import importlib

MODULES = ("kms", "s3")


def load() -> None:
    """Import every model module (registering its models)."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
