"""Tell a resource its DeletionPolicy before it is deleted (a DB cluster with `Snapshot`
takes a final snapshot). moto reads only `Retain`, and never shows the policy to the model."""

from typing import Any

from moto.cloudformation import parsing

_moto_delete_resource = parsing.ResourceMap._delete_resource


def _delete_resource(self: Any, parsed_resource: Any, resource_json: dict) -> None:
    if parsed_resource is not None and not isinstance(parsed_resource, str):
        parsed_resource.deletion_policy = resource_json.get("DeletionPolicy", "Delete")
    _moto_delete_resource(self, parsed_resource, resource_json)


def apply() -> None:
    """Wrap moto's per-resource delete (stack_events wraps this in turn)."""
    parsing.ResourceMap._delete_resource = _delete_resource
