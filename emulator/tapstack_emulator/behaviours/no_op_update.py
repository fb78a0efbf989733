"""UpdateStack with nothing to change fails, as in AWS: "No updates are to be performed."

moto only checks this when parameters are passed, compares the raw template string, and
compares its resolved parameters (defaults filled, numbers parsed) with the raw strings the
caller sent, so it almost never fires; it also ignores tags. Sceptre's `launch` relies on the
error to report "No updates to perform" instead of running an update.
"""

import json
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Stack
from moto.cloudformation.responses import CloudFormationResponse

NO_UPDATES = "No updates are to be performed."


def parameter_values(template: dict[str, Any], given: dict[str, Any]) -> dict[str, str]:
    """Every declared parameter's value as AWS compares it: given, else the default, as text."""
    values = {}
    for name, declaration in (template.get("Parameters") or {}).items():
        value = given.get(name, declaration.get("Default"))
        if isinstance(value, list):
            value = ",".join(str(item) for item in value)
        values[name] = None if value is None else str(value)
    return values


def requested_parameters(
    incoming: list[dict[str, Any]], previous: dict[str, Any]
) -> dict[str, Any]:
    """The update's parameters, with UsePreviousValue taken from the stack."""
    result = {}
    for parameter in incoming:
        key = parameter["ParameterKey"]
        if parameter.get("UsePreviousValue"):
            if key in previous:
                result[key] = previous[key]
        elif "ParameterValue" in parameter:
            result[key] = parameter["ParameterValue"]
    return result


def _parse(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return Stack.parse_template(body)


def is_no_op(
    stack: Stack,
    body: str,
    incoming_parameters: list[dict[str, Any]],
    tags: dict[str, str] | None,
) -> bool:
    """True when template, parameter values and tags all equal what the stack has."""
    new_template = _parse(body)
    # Parse the stored body again: moto's resource map mutates stack.template_dict.
    old_template = _parse(stack.template)
    if new_template != old_template:
        return False
    old_values = parameter_values(old_template, stack.parameters or {})
    new_given = requested_parameters(incoming_parameters, stack.parameters or {})
    if parameter_values(new_template, new_given) != old_values:
        return False
    return tags is None or tags == (stack.tags or {})


def _validate_different_update(
    self: CloudFormationResponse,
    incoming_params: list[dict[str, Any]] | None,
    stack_body: str | None,
    old_stack: Stack,
) -> None:
    if not stack_body:
        return
    tags = {item["Key"]: item["Value"] for item in self._get_param("Tags", [])} or None
    if is_no_op(old_stack, stack_body, incoming_params or [], tags):
        raise ValidationError(old_stack.name, message=NO_UPDATES)


def apply() -> None:
    """Replace moto's check (used by UpdateStack and CreateChangeSet)."""
    CloudFormationResponse._validate_different_update = _validate_different_update
