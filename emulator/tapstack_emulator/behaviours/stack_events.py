"""Resource-level stack events, as CloudFormation reports them.

moto records only stack-level events. Each resource created, updated or deleted through a
stack's resource map now adds *_IN_PROGRESS and *_COMPLETE / *_FAILED events with the reason,
which is where Sceptre (and a person reading `describe-stack-events`) finds why a stack failed.
"""

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.models import Event, Stack

_moto_create = parsing.parse_and_create_resource
_moto_update = parsing.parse_and_update_resource
_moto_delete_resource = parsing.ResourceMap._delete_resource
_moto_create_resource_map = Stack._create_resource_map


class ResourceFailedError(Exception):
    """A resource failed; carries the logical id and the reason CloudFormation would show."""

    def __init__(self, logical_id: str, reason: str) -> None:
        super().__init__(f"{logical_id}: {reason}")
        self.logical_id = logical_id
        self.reason = reason


def reason_of(err: BaseException) -> str:
    """The message a person should read for `err`."""
    if isinstance(err, ResourceFailedError):
        return err.reason
    message = getattr(err, "message", None)
    text = message if isinstance(message, str) and message else str(err)
    return text or type(err).__name__


def add_resource_event(
    stack: Stack | None,
    logical_id: str,
    resource_type: str,
    status: str,
    physical_id: str | None = None,
    reason: str | None = None,
) -> None:
    """Append one resource event to `stack` (no-op without a stack)."""
    if stack is None:
        return
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id or "",
            resource_type=resource_type,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def stack_of(resources_map: Any) -> Stack | None:
    """The stack a resource map belongs to (set when the map is made)."""
    return getattr(resources_map, "stack", None)


def _physical_id(resource: Any) -> str | None:
    return getattr(resource, "physical_resource_id", None)


def _run(verb: str, logical_id: str, resource_json: dict, resources_map: Any, call: Any) -> Any:
    stack = stack_of(resources_map)
    resource_type = resource_json.get("Type", "")
    add_resource_event(stack, logical_id, resource_type, f"{verb}_IN_PROGRESS")
    try:
        resource = call()
    except ResourceFailedError as err:
        if err.logical_id != logical_id:
            # A dependency failed while this resource waited for it.
            add_resource_event(
                stack,
                logical_id,
                resource_type,
                f"{verb}_FAILED",
                reason="Resource creation cancelled",
            )
        raise
    except Exception as err:
        reason = f'Resource handler returned message: "{reason_of(err)}"'
        add_resource_event(stack, logical_id, resource_type, f"{verb}_FAILED", reason=reason)
        raise ResourceFailedError(logical_id, reason) from err
    add_resource_event(stack, logical_id, resource_type, f"{verb}_COMPLETE", _physical_id(resource))
    return resource


def parse_and_create_resource(
    logical_id: str, resource_json: dict, resources_map: Any, account_id: str, region_name: str
) -> Any:
    """moto's create, with events (skipped when a Condition is false, as in AWS)."""
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        return None
    return _run(
        "CREATE",
        logical_id,
        resource_json,
        resources_map,
        lambda: _moto_create(logical_id, resource_json, resources_map, account_id, region_name),
    )


def parse_and_update_resource(
    logical_id: str, resource_json: dict, resources_map: Any, account_id: str, region_name: str
) -> Any:
    """moto's update, with events."""
    return _run(
        "UPDATE",
        logical_id,
        resource_json,
        resources_map,
        lambda: _moto_update(logical_id, resource_json, resources_map, account_id, region_name),
    )


def _delete_resource(self: Any, parsed_resource: Any, resource_json: dict) -> None:
    stack = stack_of(self)
    logical_id = getattr(parsed_resource, "logical_resource_id", "")
    resource_type = resource_json.get("Type", "")
    physical_id = _physical_id(parsed_resource)
    # moto retries failed deletes in later passes (dependency order), so a failure here is not
    # final: only a success is reported; the stack operation reports what finally failed.
    _moto_delete_resource(self, parsed_resource, resource_json)
    add_resource_event(stack, logical_id, resource_type, "DELETE_IN_PROGRESS", physical_id)
    add_resource_event(stack, logical_id, resource_type, "DELETE_COMPLETE", physical_id)


def _create_resource_map(self: Stack) -> Any:
    resource_map = _moto_create_resource_map(self)
    resource_map.stack = self
    return resource_map


def apply() -> None:
    """Wrap moto's resource create/update/delete with events."""
    parsing.parse_and_create_resource = parse_and_create_resource
    parsing.parse_and_update_resource = parse_and_update_resource
    parsing.ResourceMap._delete_resource = _delete_resource
    Stack._create_resource_map = _create_resource_map
