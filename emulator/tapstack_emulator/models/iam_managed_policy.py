"""AWS::IAM::ManagedPolicy that updates in place and detaches itself on delete.

moto's model creates and attaches, but cannot update, and its delete leaves the policy attached,
so a role it is attached to (often in the same stack) can never be deleted.
"""

import contextlib
import json
from typing import Any

from moto.iam.exceptions import NotFoundException
from moto.moto_api._internal import mock_random

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.iam import backend
from tapstack_emulator.registry import register

ATTACHMENTS = ("Roles", "Users", "Groups")


@register
class ManagedPolicy(EmulatedResource):
    """AWS::IAM::ManagedPolicy: Ref is the ARN; GetAtt PolicyArn."""

    TYPE = "AWS::IAM::ManagedPolicy"
    NAME_PROPERTY = "ManagedPolicyName"
    ATTRIBUTES = {"PolicyArn": "physical_id"}  # noqa: RUF012

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "ManagedPolicy":
        policy_name = properties.get("ManagedPolicyName") or (
            f"{scope.stack_name}-{scope.logical_id}-{mock_random.get_random_string(12)}"
        )
        policy = backend(scope).create_policy(
            description=properties.get("Description", ""),
            path=properties.get("Path", "/"),
            policy_document=_text(properties["PolicyDocument"]),
            policy_name=policy_name,
            tags=properties.get("Tags", []),
        )
        resource = cls(scope, policy.arn, {})
        resource._attach(properties)
        resource.properties = properties
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> "ManagedPolicy":
        iam = backend(self.scope)
        if _text(properties["PolicyDocument"]) != _text(self.properties["PolicyDocument"]):
            policy = iam.get_policy(self.physical_id)
            for version in list(policy.versions):
                if not version.is_default:
                    iam.delete_policy_version(self.physical_id, version.version_id)
            iam.create_policy_version(
                self.physical_id, _text(properties["PolicyDocument"]), set_as_default=True
            )
        self._detach(self.properties, keep=properties)
        self._attach(properties, have=self.properties)
        self.properties = properties
        return self

    def destroy(self) -> None:
        self._detach(self.properties)
        iam = backend(self.scope)
        if self.physical_id in iam.managed_policies:
            iam.delete_policy(self.physical_id)

    def _attach(self, properties: dict[str, Any], have: dict[str, Any] | None = None) -> None:
        iam = backend(self.scope)
        attach = {
            "Roles": lambda n: iam.attach_role_policy(self.physical_id, n),
            "Users": lambda n: iam.attach_user_policy(self.physical_id, n),
            "Groups": lambda n: iam.attach_group_policy(self.physical_id, n),
        }
        for kind in ATTACHMENTS:
            for name in set(properties.get(kind, [])) - set((have or {}).get(kind, [])):
                attach[kind](name)

    def _detach(self, properties: dict[str, Any], keep: dict[str, Any] | None = None) -> None:
        iam = backend(self.scope)
        detach = {
            "Roles": lambda n: iam.detach_role_policy(self.physical_id, n),
            "Users": lambda n: iam.detach_user_policy(self.physical_id, n),
            "Groups": lambda n: iam.detach_group_policy(self.physical_id, n),
        }
        for kind in ATTACHMENTS:
            for name in set(properties.get(kind, [])) - set((keep or {}).get(kind, [])):
                # Already gone with its role, user or group: nothing left to detach.
                with contextlib.suppress(NotFoundException):
                    detach[kind](name)


def _text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document, sort_keys=True)
