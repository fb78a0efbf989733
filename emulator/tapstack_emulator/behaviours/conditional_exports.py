"""An output whose Condition is false exports nothing, as in AWS.

moto's `OutputMap.exports` evaluates every exported output, ignoring its Condition, so an output
guarded by the same condition as the resource it reads fails the stack ("Fn::GetAtt references
undefined resource") wherever the condition is false.
"""

from moto.cloudformation.parsing import Export, OutputMap, clean_json


def _exports(self: OutputMap) -> list[Export]:
    exports = []
    conditions = self._resource_map.lazy_condition_map
    for value in (self._output_json_map or {}).values():
        if not value.get("Export"):
            continue
        condition = value.get("Condition")
        if condition and not conditions.get(condition):
            continue
        name = clean_json(value["Export"].get("Name"), self._resource_map)
        exports.append(Export(self._stack_id, name, clean_json(value["Value"], self._resource_map)))
    return exports


def apply() -> None:
    """Replace moto's property."""
    OutputMap.exports = property(_exports)  # type: ignore[assignment]
