"""AWS::IAM::Role with JSON inline policies and full updates.

moto's role model stores inline policy documents as Python dicts, so GetRolePolicy returns
their repr (not JSON), and its update ignores AssumeRolePolicyDocument, Policies and
ManagedPolicyArns.
"""

import json
from typing import Any, ClassVar

from moto.iam.models import IAMBackend, iam_backends
from moto.utilities.utils import get_partition

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register


def backend(scope: Scope) -> IAMBackend:
    """The account's (global) IAM backend."""
    return iam_backends[scope.account_id][get_partition(scope.region_name)]


def document(policy: Any) -> str:
    """A policy document as the JSON text IAM stores."""
    return policy if isinstance(policy, str) else json.dumps(policy)


@register
class Role(EmulatedResource):
    """AWS::IAM::Role: Ref is the role name; GetAtt Arn and RoleId."""

    TYPE = "AWS::IAM::Role"
    REPLACED_BY = ("Path",)
    REPLACED_BY_DEFAULTS: ClassVar[dict[str, Any]] = {"Path": "/"}
    NAME_PROPERTY = "RoleName"
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Arn": "arn", "RoleId": "role_id"}

    @property
    def arn(self) -> str:
        return backend(self.scope).get_role(self.physical_id).arn

    @property
    def role_id(self) -> str:
        return backend(self.scope).get_role(self.physical_id).id

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Role":
        role = backend(scope).create_role(
            role_name=properties.get("RoleName", name[:64]),
            assume_role_policy_document=document(properties["AssumeRolePolicyDocument"]),
            path=properties.get("Path", "/"),
            permissions_boundary=properties.get("PermissionsBoundary"),
            description=properties.get("Description", ""),
            tags=properties.get("Tags", []),
            max_session_duration=properties.get("MaxSessionDuration", 3600),
        )
        resource = cls(scope, role.name, {})
        resource.set_policies(properties)
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        iam = backend(self.scope)
        iam.update_assume_role_policy(
            self.physical_id, document(properties["AssumeRolePolicyDocument"])
        )
        iam.update_role(
            self.physical_id,
            properties.get("Description", ""),
            properties.get("MaxSessionDuration", 3600),
        )
        old_tags = {t["Key"] for t in self.properties.get("Tags", [])}
        if old_tags:
            iam.untag_role(self.physical_id, sorted(old_tags))
        if properties.get("Tags"):
            iam.tag_role(self.physical_id, properties["Tags"])
        self.set_policies(properties)
        return self

    def set_policies(self, properties: dict[str, Any]) -> None:
        """Make inline and managed policies what `properties` declare."""
        iam, name = backend(self.scope), self.physical_id
        new_inline = {
            p["PolicyName"]: document(p["PolicyDocument"]) for p in properties.get("Policies", [])
        }
        for policy_name in set(iam.get_role(name).policies) - set(new_inline):
            iam.delete_role_policy(name, policy_name)
        for policy_name, text in new_inline.items():
            iam.put_role_policy(name, policy_name, text)
        old_managed = set(self.properties.get("ManagedPolicyArns", []))
        new_managed = set(properties.get("ManagedPolicyArns", []))
        for arn in old_managed - new_managed:
            iam.detach_role_policy(arn, name)
        for arn in new_managed - old_managed:
            iam.attach_role_policy(arn, name)
        self.properties = properties

    def destroy(self) -> None:
        iam, name = backend(self.scope), self.physical_id
        if name not in {role.name for role in iam.roles.values()}:
            return
        self.set_policies({"AssumeRolePolicyDocument": {}})
        iam.delete_role(name)
