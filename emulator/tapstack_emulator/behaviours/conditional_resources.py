"""An update that turns a resource's Condition false deletes the resource, as in AWS.

moto's update compares resource names only: a resource that stays in the template but whose
Condition is now false (e.g. a schedule switched off by a parameter) is updated and kept.
"""

from typing import Any

from moto.cloudformation import parsing

_moto_update = parsing.ResourceMap.update


def update(self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
    """moto's update, then delete what the new conditions switched off."""
    _moto_update(self, template, parameters)
    for logical_id, resource_json in (template.get("Resources") or {}).items():
        condition = resource_json.get("Condition")
        if not condition or self.lazy_condition_map[condition]:
            continue
        resource = self._parsed_resources.get(logical_id)
        if resource is not None and not isinstance(resource, str):
            self._delete_resource(resource, resource_json)
            self._parsed_resources.pop(logical_id, None)


def apply() -> None:
    """Wrap moto's ResourceMap.update."""
    parsing.ResourceMap.update = update
