"""Make moto's CloudFormation parser find the emulator's models.

moto builds its type -> model map from `CloudFormationModel.__subclasses__()` once (cached).
We replace the three lookup functions of `moto.cloudformation.parsing` so that a registered
model wins over moto's own model of the same type, whatever the import order.
"""

import functools
from typing import Any, TypeVar

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

_REGISTERED: dict[str, type[CloudFormationModel]] = {}
_moto_model_list = parsing.get_model_list
M = TypeVar("M", bound=type[CloudFormationModel])


def register(model: M) -> M:
    """Class decorator: use `model` for its `cloudformation_type()`."""
    _REGISTERED[model.cloudformation_type()] = model
    _clear_caches()
    return model


def registered_types() -> list[str]:
    """The resource types the emulator models itself, sorted."""
    return sorted(_REGISTERED)


@functools.cache
def _model_list() -> list[type[CloudFormationModel]]:
    moto_models = [m for m in _moto_model_list() if m.cloudformation_type() not in _REGISTERED]
    return moto_models + list(_REGISTERED.values())


@functools.cache
def _model_map() -> dict[str, type[CloudFormationModel]]:
    return {model.cloudformation_type(): model for model in _model_list()}


@functools.cache
def _name_type_map() -> dict[str, Any]:
    return {
        model.cloudformation_type(): model.cloudformation_name_type() for model in _model_list()
    }


def _clear_caches() -> None:
    for cached in (_model_list, _model_map, _name_type_map):
        cached.cache_clear()


def install() -> None:
    """Point moto's parser at the combined model list."""
    parsing.get_model_list = _model_list
    parsing.get_model_map = _model_map
    parsing.get_name_type_map = _name_type_map
