"""AWS::Logs::LogGroup with KmsKeyId, updates, and CloudFormation's Arn (ending in `:*`).

moto's model passes KmsKeyId under the wrong key (so DescribeLogGroups has no kmsKeyId),
cannot update retention or key, and its GetAtt Arn lacks the `:*` CloudFormation returns.
"""

from typing import Any

from moto.logs.models import LogsBackend, logs_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register


def backend(scope: Scope) -> LogsBackend:
    """The account and region's CloudWatch Logs backend."""
    return logs_backends[scope.account_id][scope.region_name]


@register
class LogGroup(EmulatedResource):
    """AWS::Logs::LogGroup: Ref is the name; GetAtt Arn."""

    TYPE = "AWS::Logs::LogGroup"
    NAME_PROPERTY = "LogGroupName"
    ATTRIBUTES = {"Arn": "arn"}  # noqa: RUF012

    @property
    def arn(self) -> str:
        return backend(self.scope).groups[self.physical_id].arn + ":*"

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "LogGroup":
        tags = {tag["Key"]: tag["Value"] for tag in properties.get("Tags", [])}
        backend(scope).create_log_group(name, tags)
        resource = cls(scope, name, {})
        resource.configure(properties)
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> "LogGroup":
        self.configure(properties)
        return self

    def configure(self, properties: dict[str, Any]) -> None:
        """Retention and KMS key as declared."""
        logs = backend(self.scope)
        group = logs.groups[self.physical_id]
        retention = properties.get("RetentionInDays")
        group.set_retention_policy(int(retention) if retention is not None else None)
        group.kms_key_id = properties.get("KmsKeyId")
        old_tags = {t["Key"] for t in self.properties.get("Tags", [])}
        new_tags = {t["Key"]: t["Value"] for t in properties.get("Tags", [])}
        if old_tags - set(new_tags):
            logs.untag_resource(group.arn, sorted(old_tags - set(new_tags)))
        if new_tags:
            logs.tag_resource(group.arn, new_tags)
        self.properties = properties

    def destroy(self) -> None:
        logs = backend(self.scope)
        if self.physical_id in logs.groups:
            logs.delete_log_group(self.physical_id)
