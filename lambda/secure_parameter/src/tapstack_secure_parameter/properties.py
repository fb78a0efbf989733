"""The resource properties of Custom::SecureParameter, checked."""

from dataclasses import dataclass, field
from typing import Any


class InvalidPropertiesError(ValueError):
    """A resource property is missing or malformed; the message names it."""


@dataclass(frozen=True)
class ParameterProperties:
    """Name, Value, KmsKeyId (required); Description and Tags (optional)."""

    name: str
    value: str = field(repr=False)
    kms_key_id: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_event(cls, properties: dict[str, Any]) -> "ParameterProperties":
        """Parse `ResourceProperties`; raise naming the property that is wrong."""
        return cls(
            name=_required(properties, "Name"),
            value=_required(properties, "Value"),
            kms_key_id=_required(properties, "KmsKeyId"),
            description=_optional(properties, "Description"),
            tags=tags_of(properties),
        )


def _required(properties: dict[str, Any], name: str) -> str:
    value = properties.get(name)
    if not isinstance(value, str) or not value:
        # Never echo Value: it is the secret.
        shown = "<hidden>" if name == "Value" else repr(value)
        raise InvalidPropertiesError(f"{name} is required (a non-empty string); got {shown}")
    return value


def _optional(properties: dict[str, Any], name: str) -> str:
    value = properties.get(name, "")
    if not isinstance(value, str):
        raise InvalidPropertiesError(f"{name} must be a string; got {value!r}")
    return value


def tags_of(properties: dict[str, Any]) -> dict[str, str]:
    """The Tags property, CloudFormation's `[{Key, Value}, ...]`, as a dict."""
    value = properties.get("Tags", [])
    if not isinstance(value, list) or not all(
        isinstance(tag, dict) and set(tag) == {"Key", "Value"} for tag in value
    ):
        raise InvalidPropertiesError(f"Tags must be a list of {{Key, Value}}; got {value!r}")
    return {tag["Key"]: tag["Value"] for tag in value}
