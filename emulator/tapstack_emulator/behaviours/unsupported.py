"""Say so when the local AWS cannot do something, instead of pretending it did.

moto skips resource types it has no model for (the stack completes without them), and a
moto model without an update or delete hook is silently not updated (moto then forgets the
resource) or not deleted. Here an unknown type fails CreateStack/UpdateStack with a
ValidationError naming the types, and a missing update/delete fails that resource (so the
stack rolls back or ends DELETE_FAILED with the reason).
"""

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError

_moto_load = parsing.ResourceMap.load
_moto_update = parsing.parse_and_update_resource
_moto_delete = parsing.parse_and_delete_resource
#: handled by moto without a model
_NO_MODEL_NEEDED = (
    "AWS::CloudFormation::WaitCondition",
    "AWS::CloudFormation::WaitConditionHandle",
)


class UnsupportedOperationError(RuntimeError):
    """The local AWS cannot perform this operation on this resource type."""


def _has_hook(model: type, hook: str) -> bool:
    return not hasattr(getattr(model, hook), "__isabstractmethod__")


def unsupported_types(template: dict[str, Any]) -> list[str]:
    """Resource types in `template` that no model implements."""
    model_map = parsing.get_model_map()
    types = {resource.get("Type", "") for resource in (template.get("Resources") or {}).values()}
    return sorted(
        t
        for t in types
        if t not in model_map and t not in _NO_MODEL_NEEDED and not t.startswith("Custom::")
    )


def load(self: Any) -> None:
    """ResourceMap.load, refusing templates with resource types the emulator lacks."""
    missing = unsupported_types(self._template)
    if missing:
        raise ValidationError(
            message=(
                "Template format error: the local AWS (tapstack-emulator) does not support "
                f"resource types: [{', '.join(missing)}]"
            )
        )
    _moto_load(self)


def parse_and_update_resource(
    logical_id: str, resource_json: dict, resources_map: Any, account_id: str, region_name: str
) -> Any:
    """moto's update, failing where moto has no update hook for the type."""
    model = parsing.resource_class_from_type(resource_json["Type"])
    if model is not None and not _has_hook(model, "update_from_cloudformation_json"):
        raise UnsupportedOperationError(
            f"the local AWS cannot update {resource_json['Type']} in place"
        )
    return _moto_update(logical_id, resource_json, resources_map, account_id, region_name)


def parse_and_delete_resource(
    resource_name: str, resource_json: dict, account_id: str, region_name: str
) -> None:
    """moto's delete, failing where moto has no delete hook for the type."""
    model = parsing.resource_class_from_type(resource_json["Type"])
    if model is not None and not _has_hook(model, "delete_from_cloudformation_json"):
        raise UnsupportedOperationError(f"the local AWS cannot delete {resource_json['Type']}")
    _moto_delete(resource_name, resource_json, account_id, region_name)


def apply() -> None:
    """Install the guards (before stack_events wraps moto's update)."""
    parsing.ResourceMap.load = load
    parsing.parse_and_update_resource = parse_and_update_resource
    parsing.parse_and_delete_resource = parse_and_delete_resource
