"""Every `Custom::*` type is the emulator's custom resource model (moto hard-codes its own,
which invokes the function in Docker and never waits for the answer)."""

from typing import Any

from moto.cloudformation import parsing

_moto_resource_class_from_type = parsing.resource_class_from_type


def resource_class_from_type(resource_type: str) -> Any:
    """moto's lookup, with Custom::* mapped to AWS::CloudFormation::CustomResource's model."""
    if resource_type.startswith("Custom::"):
        return parsing.get_model_map()["AWS::CloudFormation::CustomResource"]
    return _moto_resource_class_from_type(resource_type)


def apply() -> None:
    """Install the lookup."""
    parsing.resource_class_from_type = resource_class_from_type
