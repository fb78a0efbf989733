"""AWS::ECR::Repository with every property our templates set.

moto's model passes ImageScanningConfiguration and EncryptionConfiguration in CloudFormation's
casing (so DescribeRepositories shows neither), ignores LifecyclePolicy, RepositoryPolicyText
and EmptyOnDelete, and deletes a repository that still holds images. Here: what ECR shows for
each property, in-place update of what CloudFormation updates in place (a new name or
encryption replaces the repository), and a delete that fails on images unless EmptyOnDelete.
"""

import json
from typing import Any

from moto.ecr.models import ECRBackend, ecr_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.ec2_common import as_bool
from tapstack_emulator.registry import register


def backend(scope: Scope) -> ECRBackend:
    """The account and region's ECR backend."""
    return ecr_backends[scope.account_id][scope.region_name]


def _encryption(properties: dict[str, Any]) -> dict[str, str] | None:
    declared = properties.get("EncryptionConfiguration")
    if not declared:
        return None
    encryption = {"encryptionType": declared.get("EncryptionType", "AES256")}
    if declared.get("KmsKey"):
        encryption["kmsKey"] = declared["KmsKey"]
    return encryption


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@register
class Repository(EmulatedResource):
    """AWS::ECR::Repository: Ref is the name; GetAtt Arn and RepositoryUri."""

    TYPE = "AWS::ECR::Repository"
    REPLACED_BY = ("EncryptionConfiguration",)
    NAME_PROPERTY = "RepositoryName"
    ATTRIBUTES = {"Arn": "arn", "RepositoryUri": "uri"}  # noqa: RUF012

    @property
    def arn(self) -> str:
        return backend(self.scope).repositories[self.physical_id].arn

    @property
    def uri(self) -> str:
        return backend(self.scope).repositories[self.physical_id].uri

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Repository":
        name = properties.get("RepositoryName", name.lower())
        backend(scope).create_repository(
            repository_name=name,
            registry_id=None,
            encryption_config=_encryption(properties),
            image_scan_config=None,
            image_tag_mutability=properties.get("ImageTagMutability", "MUTABLE"),
            tags=properties.get("Tags", []),
        )
        resource = cls(scope, name, {})
        resource.configure(properties)
        return resource

    @classmethod
    def replacement_value(cls, name: str, properties: dict[str, Any]) -> Any:
        """Encryption as ECR records it (AES256 when undeclared)."""
        if name == "EncryptionConfiguration":
            return _encryption(properties)
        return super().replacement_value(name, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> "Repository":
        ecr = backend(self.scope)
        ecr.put_image_tag_mutability(
            None, self.physical_id, properties.get("ImageTagMutability", "MUTABLE")
        )
        old_tags = {t["Key"] for t in self.properties.get("Tags", [])}
        removed = old_tags - {t["Key"] for t in properties.get("Tags", [])}
        if removed:
            ecr.untag_resource(self.arn, sorted(removed))
        if properties.get("Tags"):
            ecr.tag_resource(self.arn, properties["Tags"])
        self.configure(properties)
        return self

    def configure(self, properties: dict[str, Any]) -> None:
        """Scanning, lifecycle policy and repository policy as declared."""
        ecr = backend(self.scope)
        repository = ecr.repositories[self.physical_id]
        scanning = properties.get("ImageScanningConfiguration") or {}
        ecr.put_image_scanning_configuration(
            None, self.physical_id, {"scanOnPush": as_bool(scanning.get("ScanOnPush", False))}
        )
        lifecycle = (properties.get("LifecyclePolicy") or {}).get("LifecyclePolicyText")
        if lifecycle:
            ecr.put_lifecycle_policy(None, self.physical_id, _text(lifecycle))
        else:
            repository.lifecycle_policy = None
        policy = properties.get("RepositoryPolicyText")
        if policy:
            ecr.set_repository_policy(None, self.physical_id, _text(policy))
        else:
            repository.policy = None
        self.properties = properties

    def destroy(self) -> None:
        ecr = backend(self.scope)
        repository = ecr.repositories.get(self.physical_id)
        if repository is None:
            return
        if repository.images and not as_bool(self.properties.get("EmptyOnDelete", False)):
            raise ValueError(
                f"The repository with name '{self.physical_id}' in registry with id "
                f"'{repository.registry_id}' cannot be deleted because it still contains images"
            )
        ecr.delete_repository(self.physical_id, force=True)
