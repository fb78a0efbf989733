"""Delete a stack's resources in reverse dependency order, as CloudFormation does.

moto deletes in arbitrary (set) order and retries whatever fails, which misses real
dependencies (a subnet deleted before its network ACL association, so the ACL never can be).
Dependencies come from Ref, Fn::GetAtt, ${...} in Fn::Sub and DependsOn. A resource that
still fails is retried after the others (moto's behaviour), and the last error is raised.
Parameter changes reach resources that use a parameter only through Fn::Sub, too.
"""

import re
from graphlib import CycleError, TopologicalSorter
from typing import Any

from moto.cloudformation import parsing

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def references(node: Any) -> set[str]:
    """Names a template fragment refers to (resources, parameters or pseudo parameters)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value.split(".", 1)[0] if isinstance(value, str) else value[0]
                found.add(target)
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                names = {name.split(".", 1)[0] for name in _SUB_VARIABLE.findall(text)}
                found |= names - set(variables) | references(variables)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids, each after everything it depends on (template order where free)."""
    graph: dict[str, set[str]] = {}
    for name, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        depends_on = [depends_on] if isinstance(depends_on, str) else list(depends_on)
        graph[name] = (references(resource) | set(depends_on)) & set(resources) - {name}
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError:
        return list(resources)


def delete(self: Any) -> None:
    """ResourceMap.delete: reverse dependency order, then retry what failed."""
    remaining = [
        name
        for name in reversed(dependency_order(self._resource_json_map))
        if self._resource_json_map[name].get("DeletionPolicy") != "Retain"
    ]
    last_error: Exception | None = None
    while remaining:
        failed = []
        for name in remaining:
            resource = self._parsed_resources.get(name)
            if resource is None or isinstance(resource, str):
                continue
            try:
                self._delete_resource(resource, self._resource_json_map[name])
            except Exception as err:
                last_error = err
                failed.append(name)
            else:
                self._parsed_resources.pop(name, None)
        if len(failed) == len(remaining):
            assert last_error is not None
            raise last_error
        remaining = failed


def apply() -> None:
    """Replace moto's deletion order and its reference finder (used to spot updates)."""
    parsing.ResourceMap.delete = delete
    parsing.get_references_from_template = lambda template: sorted(references(template))
