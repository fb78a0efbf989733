"""AWS::KMS::Key with CloudFormation's tag shape, a JSON key policy, updates and scheduled deletion.

moto's key model crashes on CloudFormation tags ({Key, Value}; its tagger wants TagKey), stores
the KeyPolicy as a dict (GetKeyPolicy and DescribeKey then fail), cannot update, and deletes
the key outright where CloudFormation schedules deletion after PendingWindowInDays.
moto's AWS::KMS::Alias model is correct and stays.
"""

import json
from typing import Any, ClassVar

from moto.kms.models import KmsBackend, kms_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register

DEFAULT_PENDING_WINDOW_DAYS = 30


def backend(scope: Scope) -> KmsBackend:
    """The account and region's KMS backend."""
    return kms_backends[scope.account_id][scope.region_name]


def policy_text(policy: Any) -> str:
    """A key policy as the JSON text KMS stores and returns."""
    return policy if isinstance(policy, str) else json.dumps(policy)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


@register
class Key(EmulatedResource):
    """AWS::KMS::Key: Ref is the key id; GetAtt Arn and KeyId."""

    TYPE = "AWS::KMS::Key"
    REPLACED_BY = ("KeyUsage", "KeySpec", "MultiRegion")
    ATTRIBUTES: ClassVar[dict[str, str]] = {"Arn": "arn", "KeyId": "physical_id"}

    @property
    def arn(self) -> str:
        return backend(self.scope).keys[self.physical_id].arn

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Key":
        kms = backend(scope)
        key = kms.create_key(
            policy=policy_text(properties["KeyPolicy"]) if "KeyPolicy" in properties else None,
            key_usage=properties.get("KeyUsage", "ENCRYPT_DECRYPT"),
            key_spec=properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
            description=properties.get("Description", ""),
            tags=None,
            multi_region=_truthy(properties.get("MultiRegion", False)),
        )
        resource = cls(scope, key.id, {})
        resource.configure(properties)
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> "Key":
        self.configure(properties)
        return self

    def configure(self, properties: dict[str, Any]) -> None:
        """Make policy, description, rotation, enabled state and tags what is declared."""
        kms, key_id = backend(self.scope), self.physical_id
        key = kms.keys[key_id]
        if "KeyPolicy" in properties:
            kms.put_key_policy(key_id, policy_text(properties["KeyPolicy"]))
        kms.update_key_description(key_id, properties.get("Description", ""))
        if _truthy(properties.get("EnableKeyRotation", False)):
            kms.enable_key_rotation(key_id)
        else:
            kms.disable_key_rotation(key_id)
        if _truthy(properties.get("Enabled", True)):
            kms.enable_key(key_id)
        else:
            kms.disable_key(key_id)
        old_tags = [tag["TagKey"] for tag in kms.list_resource_tags(key_id)["Tags"]]
        if old_tags:
            kms.untag_resource(key.arn, old_tags)
        tags = {tag["Key"]: tag["Value"] for tag in properties.get("Tags", [])}
        if tags:
            kms.tag_resource(key.arn, tags)
        self.properties = properties

    def destroy(self) -> None:
        kms = backend(self.scope)
        key = kms.keys.get(self.physical_id)
        if key is None or key.key_state == "PendingDeletion":
            return
        days = int(self.properties.get("PendingWindowInDays", DEFAULT_PENDING_WINDOW_DAYS))
        kms.schedule_key_deletion(self.physical_id, days)
