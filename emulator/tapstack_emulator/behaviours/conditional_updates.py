"""An update creates a resource whose Condition turns true, and leaves alone one whose
Condition is false, as in AWS (conditional_resources.py deletes one that turns false).

moto's update modifies every resource whose properties (or referenced parameters) changed,
whether or not its Condition holds: a resource whose condition stays false is "updated" from
nothing (a crash), and one whose condition turns true (through a parameter) is never created.
"""

from typing import Any

from moto.cloudformation import parsing


def _wrap(moto_update: Any) -> Any:
    def parse_and_update_resource(
        logical_id: str, resource_json: dict, resources_map: Any, account_id: str, region_name: str
    ) -> Any:
        """moto's update, for resources that exist before and after; create/delete otherwise."""
        condition = resource_json.get("Condition")
        existing = resources_map._parsed_resources.get(logical_id)
        if condition and not resources_map.lazy_condition_map[condition]:
            return existing  # switched off: conditional_resources.py deletes it after the update
        if existing is None:
            resources_map._parsed_resources.pop(logical_id, None)
            return parsing.parse_and_create_resource(
                logical_id, resource_json, resources_map, account_id, region_name
            )
        return moto_update(logical_id, resource_json, resources_map, account_id, region_name)

    return parse_and_update_resource


_moto_map_update = parsing.ResourceMap.update


def update(self: parsing.ResourceMap, template: dict, parameters: dict | None = None) -> None:
    """moto's update, then create the resources whose condition turned true."""
    _moto_map_update(self, template, parameters)
    conditional = {
        logical_id: self.lazy_condition_map[resource_json["Condition"]]
        for logical_id, resource_json in self._resource_json_map.items()
        if resource_json.get("Condition")
    }
    appearing = [
        logical_id
        for logical_id, holds in conditional.items()
        if holds and self._parsed_resources.get(logical_id) is None
    ]
    for logical_id in appearing:  # forget "not created", so a lookup creates it (deps first)
        self._parsed_resources.pop(logical_id, None)
    for logical_id in appearing:
        _ = self[logical_id]


def apply() -> None:
    """Wrap the update in use (with events) with the condition check."""
    parsing.parse_and_update_resource = _wrap(parsing.parse_and_update_resource)
    parsing.ResourceMap.update = update
