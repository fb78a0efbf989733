"""What the EC2 models share: the backend and CloudFormation's tagging of EC2 resources."""

from typing import Any

from moto.cloudformation.models import cloudformation_backends
from moto.ec2.models import EC2Backend, ec2_backends

from tapstack_emulator.models.base import Scope


def as_bool(value: Any) -> bool:
    """A CloudFormation boolean property: `true` arrives as a bool or as the string "true"."""
    return value is True or str(value).lower() == "true"


def ec2(scope: Scope) -> EC2Backend:
    """The account and region's EC2 backend."""
    return ec2_backends[scope.account_id][scope.region_name]


def stack_tags(scope: Scope) -> dict[str, str]:
    """The creating stack's own tags and CloudFormation's aws:cloudformation:* tags."""
    stack = cloudformation_backends[scope.account_id][scope.region_name].stacks.get(scope.stack_id)
    tags = dict(stack.tags or {}) if stack is not None else {}
    if scope.stack_id:
        tags["aws:cloudformation:stack-name"] = scope.stack_name
        tags["aws:cloudformation:stack-id"] = scope.stack_id
        tags["aws:cloudformation:logical-id"] = scope.logical_id
    return tags


def declared_tags(properties: dict[str, Any]) -> dict[str, str]:
    """A resource's Tags property as a dict."""
    return {tag["Key"]: tag["Value"] for tag in properties.get("Tags", [])}


def tag(scope: Scope, resource_id: str, properties: dict[str, Any]) -> None:
    """Tag an EC2 resource as CloudFormation does: stack tags, then the declared ones."""
    ec2(scope).create_tags([resource_id], {**stack_tags(scope), **declared_tags(properties)})


def retag(scope: Scope, resource_id: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Replace the declared tags `old` with `new`."""
    removed = set(declared_tags(old)) - set(declared_tags(new))
    if removed:
        ec2(scope).delete_tags([resource_id], {key: None for key in removed})
    if declared_tags(new):
        ec2(scope).create_tags([resource_id], declared_tags(new))
