"""The one answer to "does this update replace the resource?" (models/replacement.py)."""

from typing import Any, ClassVar

import pytest
from tapstack_emulator.models.base import EmulatedResource
from tapstack_emulator.models.replacement import requires_replacement


class Widget(EmulatedResource):
    """A model as the emulator's declare them: a name property and replacing properties."""

    TYPE = "Test::Widget"
    NAME_PROPERTY = "WidgetName"
    REPLACED_BY = ("Shape", "Path")
    REPLACED_BY_DEFAULTS: ClassVar[dict[str, Any]] = {"Path": "/"}


OLD = {"WidgetName": "w-1", "Shape": "round", "Colour": "red"}


@pytest.mark.parametrize(
    ("new", "replaced"),
    [
        pytest.param({**OLD, "Colour": "blue"}, False, id="in-place-property"),
        pytest.param({**OLD, "Shape": "square"}, True, id="replacing-property"),
        pytest.param({k: v for k, v in OLD.items() if k != "Shape"}, True, id="replacing-removed"),
        pytest.param({**OLD, "Path": "/"}, False, id="default-made-explicit"),
        pytest.param({**OLD, "Path": "/team/"}, True, id="default-changed"),
        pytest.param({**OLD, "WidgetName": "w-2"}, True, id="renamed"),
        pytest.param({k: v for k, v in OLD.items() if k != "WidgetName"}, False, id="name-dropped"),
    ],
)
def test_replacement_follows_the_declared_properties_and_the_name(new, replaced):
    assert requires_replacement(Widget, OLD, new, physical_id="w-1") is replaced


def test_an_undeclared_name_is_the_physical_id():
    unnamed = {"Shape": "round"}
    assert not requires_replacement(Widget, unnamed, {**unnamed, "WidgetName": "w-1"}, "w-1")
    assert requires_replacement(Widget, unnamed, {**unnamed, "WidgetName": "w-9"}, "w-1")
