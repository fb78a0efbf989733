"""Stack create, update and delete with CloudFormation's failure semantics.

moto runs a stack operation inside the API call and lets any resource error escape: the
request fails (often with a 500) and the stack stays CREATE_IN_PROGRESS. CloudFormation
instead accepts the call and then:
- create failure -> ROLLBACK_IN_PROGRESS, created resources deleted, ROLLBACK_COMPLETE
  (OnFailure=DO_NOTHING / DisableRollback: CREATE_FAILED; OnFailure=DELETE: deleted);
- update failure -> UPDATE_ROLLBACK_IN_PROGRESS, previous template/parameters restored,
  UPDATE_ROLLBACK_COMPLETE;
- delete failure -> DELETE_FAILED, the stack kept;
- a rollback trigger in ALARM once the resources are deployed, or during the monitoring window
  -> the same rollbacks (rollback_monitoring.py decides when the operation completes).
The reason goes into StackStatusReason and into the events. moto's resource map is lazy: any
read of an output or resource re-creates what is missing, so a map whose resources were
deleted is closed for creation.
"""

import contextvars
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import AlreadyExistsException, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import generate_stack_id
from moto.core.utils import utcnow

from tapstack_emulator import stack_cleanup
from tapstack_emulator.behaviours import rollback_monitoring
from tapstack_emulator.behaviours.stack_events import ResourceFailedError, reason_of
from tapstack_emulator.behaviours.unsupported import unsupported_types

_on_failure: contextvars.ContextVar[str] = contextvars.ContextVar("on_failure", default="ROLLBACK")
_moto_getitem = parsing.ResourceMap.__getitem__
_moto_create_stack_response = CloudFormationResponse.create_stack
HEALTHY = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "CREATE_IN_PROGRESS")


class RollbackTriggeredError(Exception):
    """A rollback trigger (an alarm) stopped the operation; the message says which."""


def _failed_summary(verb: str, err: BaseException) -> str:
    if isinstance(err, ResourceFailedError):
        return f"The following resource(s) failed to {verb}: [{err.logical_id}]. {err.reason}"
    return reason_of(err)


def _set_status(stack: Stack, status: str, reason: str | None = None) -> None:
    stack.status = status
    stack.status_reason = reason
    stack._add_stack_event(status, resource_status_reason=reason)


def _close(resource_map: Any) -> None:
    resource_map.closed = True


def _getitem(self: Any, key: str) -> Any:
    """moto's lazy lookup, except that a closed map creates nothing."""
    if getattr(self, "closed", False):
        return self._parsed_resources.get(key)
    return _moto_getitem(self, key)


def _delete_resources(stack: Stack) -> None:
    _close(stack.resource_map)
    stack.resource_map.delete()


def create_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    parameters: dict[str, Any],
    notification_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    role_arn: str | None = None,
    enable_termination_protection: bool | None = False,
    timeout_in_mins: int | None = None,
    stack_policy_body: str | None = None,
) -> Stack:
    """CreateStack: template errors fail the call; resource errors roll the stack back."""
    if name in [stack.name for stack in self.stacks.values()]:
        raise AlreadyExistsException(f"Stack [{name}] already exists")
    stack = Stack(
        stack_id=generate_stack_id(name, self.region_name, self.account_id),
        name=name,
        template=template,
        parameters=parameters,
        account_id=self.account_id,
        region_name=self.region_name,
        notification_arns=notification_arns,
        tags=tags,
        role_arn=role_arn,
        cross_stack_resources=self.exports,
        enable_termination_protection=enable_termination_protection,
        timeout_in_mins=timeout_in_mins,
        stack_policy_body=stack_policy_body,
    )
    self.stacks[stack.stack_id] = stack
    _set_status(stack, "CREATE_IN_PROGRESS", "User Initiated")
    stack.completion_deferred = True  # rollback_monitoring.finish decides (below)
    try:
        stack.create_resources()
        self._validate_export_uniqueness(stack)
        for export in stack.exports:
            self.exports[export.name] = export
    except Exception as err:
        _fail_create(self, stack, err)
        return stack
    rollback_monitoring.finish(
        stack,
        complete=lambda: _set_status(stack, "CREATE_COMPLETE"),
        roll_back=lambda reason: _roll_back_create(self, stack, reason),
    )
    return stack


def _roll_back_create(backend: CloudFormationBackend, stack: Stack, reason: str) -> None:
    """A rollback trigger fired after the resources were created: undo them and the exports."""
    _remove_exports(backend, stack)
    _fail_create(backend, stack, RollbackTriggeredError(reason))


def _fail_create(backend: CloudFormationBackend, stack: Stack, err: BaseException) -> None:
    reason = _failed_summary("create", err)
    on_failure = _on_failure.get()
    if on_failure == "DO_NOTHING":
        _close(stack.resource_map)
        _set_status(stack, "CREATE_FAILED", reason)
        return
    _set_status(stack, "ROLLBACK_IN_PROGRESS", f"{reason} Rollback requested by user.")
    try:
        _delete_resources(stack)
    except Exception as rollback_err:
        _set_status(
            stack, "ROLLBACK_FAILED", f"{reason} Rollback failed: {reason_of(rollback_err)}"
        )
        return
    _set_status(stack, "ROLLBACK_COMPLETE", reason)
    if on_failure == "DELETE":
        _set_status(stack, "DELETE_COMPLETE")
        backend.deleted_stacks[stack.stack_id] = backend.stacks.pop(stack.stack_id)


def update(
    self: Stack,
    template: str,
    role_arn: str | None = None,
    parameters: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """UpdateStack: apply; on failure restore the previous template and parameters."""
    missing = unsupported_types(self.parse_template(template))
    if missing:
        raise ValidationError(
            message=f"Template format error: the local AWS does not support: [{', '.join(missing)}]"
        )
    previous = (self.template, dict(self.parameters or {}))
    self.last_updated_time = utcnow()  # DescribeStacks' LastUpdatedTime, as AWS sets it
    _set_status(self, "UPDATE_IN_PROGRESS", "User Initiated")
    try:
        self.template = template
        self._parse_template()
        self.resource_map.update(self.template_dict, parameters)
        self.output_map = self._create_output_map()
        _ = self.outputs  # resolve outputs now: a bad output fails the update, not a read
    except Exception as err:
        stack_cleanup.discard(self.stack_id)
        _roll_back_update(self, previous, _failed_summary("update", err))
        return

    def complete() -> None:
        _set_status(self, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        stack_cleanup.run(self.stack_id)  # e.g. the Delete of a replaced custom resource
        _set_status(self, "UPDATE_COMPLETE")
        self.role_arn = role_arn
        if parameters:
            self.parameters = parameters
        if tags is not None:
            self.tags = tags

    def roll_back(reason: str) -> None:
        stack_cleanup.discard(self.stack_id)
        _roll_back_update(self, previous, reason)

    rollback_monitoring.finish(self, complete=complete, roll_back=roll_back)


def _roll_back_update(stack: Stack, previous: tuple[str, dict[str, Any]], reason: str) -> None:
    template, parameters = previous
    _set_status(stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
    try:
        stack.template = template
        stack._parse_template()
        stack.resource_map.update(stack.template_dict, parameters)
        stack.parameters = parameters
        stack.output_map = stack._create_output_map()
    except Exception as err:
        _set_status(stack, "UPDATE_ROLLBACK_FAILED", f"{reason} Rollback failed: {reason_of(err)}")
        return
    _set_status(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    _set_status(stack, "UPDATE_ROLLBACK_COMPLETE", reason)


def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    """DeleteStack: a resource that cannot be deleted leaves the stack DELETE_FAILED."""
    stack = next(
        (s for s in self.stacks.values() if name_or_stack_id in (s.stack_id, s.name)), None
    )
    if stack is None:
        return  # AWS: deleting a stack that does not exist succeeds
    _set_status(stack, "DELETE_IN_PROGRESS", "User Initiated")
    try:
        _delete_resources(stack)
    except Exception as err:
        _set_status(
            stack, "DELETE_FAILED", f"The following resource(s) failed to delete: {reason_of(err)}"
        )
        return
    _remove_exports(self, stack)
    _set_status(stack, "DELETE_COMPLETE")
    self.deleted_stacks[stack.stack_id] = self.stacks.pop(stack.stack_id)


def _remove_exports(backend: CloudFormationBackend, stack: Stack) -> None:
    for export_name, export in list(backend.exports.items()):
        if export.exporting_stack_id == stack.stack_id:
            del backend.exports[export_name]


def _mark_creation_complete(self: Stack) -> None:
    """moto calls this once the resources exist. A stack of create_stack above completes when
    its rollback triggers allow it; others (moto's change sets) complete here."""
    if not getattr(self, "completion_deferred", False):
        _set_status(self, "CREATE_COMPLETE")


def _outputs(self: Stack) -> list[dict[str, Any]] | None:
    if self.status not in HEALTHY:
        return None
    return _moto_outputs(self)


def _stack_resources(self: Stack) -> list[Any]:
    parsed = self.resource_map._parsed_resources
    return [
        parsed[name]
        for name in self.resource_map.resources
        if name in parsed and parsed[name] is not None and not isinstance(parsed[name], str)
    ]


def _create_stack_response(self: CloudFormationResponse) -> Any:
    on_failure = self._get_param("OnFailure")
    if self._get_bool_param("DisableRollback", False):
        on_failure = "DO_NOTHING"
    token = _on_failure.set(on_failure or "ROLLBACK")
    try:
        return _moto_create_stack_response(self)
    finally:
        _on_failure.reset(token)


_moto_outputs = Stack.outputs.fget  # type: ignore[attr-defined]


def apply() -> None:
    """Install the operations above into moto's classes."""
    CloudFormationBackend.create_stack = create_stack
    CloudFormationBackend.delete_stack = delete_stack
    CloudFormationResponse.create_stack = _create_stack_response
    Stack.update = update
    Stack.mark_creation_complete = _mark_creation_complete
    Stack.outputs = property(_outputs)  # type: ignore[assignment]
    Stack.stack_resources = property(_stack_resources)  # type: ignore[assignment]
    parsing.ResourceMap.__getitem__ = _getitem
