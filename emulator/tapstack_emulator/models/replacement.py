"""Does an update replace the resource? CloudFormation's answer for every emulated type, asked in
one place (`EmulatedResource.update_from_cloudformation_json`).

An update replaces a resource when its declared name changes (a new name is a new resource) or
when a property the resource type documents as "Update requires: Replacement" changes; each
model lists those in `REPLACED_BY` (an omitted one counts as its `REPLACED_BY_DEFAULTS` value).
Anything else is the model's in-place `update`.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tapstack_emulator.models.base import EmulatedResource


def requires_replacement(
    model: "type[EmulatedResource]",
    old: dict[str, Any],
    new: dict[str, Any],
    physical_id: str,
) -> bool:
    """Whether changing a `model` resource (`physical_id`) from `old` to `new` properties
    replaces it."""
    if renamed(model, old, new, physical_id):
        return True
    return any(
        model.replacement_value(name, old) != model.replacement_value(name, new)
        for name in model.REPLACED_BY
    )


def renamed(
    model: "type[EmulatedResource]", old: dict[str, Any], new: dict[str, Any], physical_id: str
) -> bool:
    """Whether `new` declares a name other than the resource's (undeclared: it keeps its own)."""
    name = model.NAME_PROPERTY
    return bool(name) and new.get(name) not in (None, old.get(name, physical_id))
