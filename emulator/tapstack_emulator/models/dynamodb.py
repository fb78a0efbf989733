"""AWS::DynamoDB::Table with server-side encryption, point-in-time recovery and TTL.

moto's model passes SSESpecification in CloudFormation's shape (`SSEEnabled`, where the API
says `Enabled`, so DescribeTable shows no SSEDescription) and ignores
PointInTimeRecoverySpecification and TimeToLiveSpecification. Here DescribeTable,
DescribeContinuousBackups and DescribeTimeToLive show what was declared; billing mode, PITR,
TTL, deletion protection and tags update in place; a new key schema or encryption replaces
the table, as in CloudFormation.
"""

from typing import Any

from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.ec2_common import as_bool
from tapstack_emulator.registry import register


def backend(scope: Scope) -> DynamoDBBackend:
    """The account and region's DynamoDB backend."""
    return dynamodb_backends[scope.account_id][scope.region_name]


def _sse(properties: dict[str, Any]) -> dict[str, Any] | None:
    declared = properties.get("SSESpecification")
    if not declared or not as_bool(declared.get("SSEEnabled", False)):
        return None
    sse = {"Enabled": True, "SSEType": declared.get("SSEType", "KMS")}
    if declared.get("KMSMasterKeyId"):
        sse["KMSMasterKeyId"] = declared["KMSMasterKeyId"]
    return sse


@register
class Table(EmulatedResource):
    """AWS::DynamoDB::Table: Ref is the name; GetAtt Arn and StreamArn."""

    TYPE = "AWS::DynamoDB::Table"
    REPLACED_BY = ("KeySchema", "SSESpecification", "LocalSecondaryIndexes")
    NAME_PROPERTY = "TableName"
    ATTRIBUTES = {"Arn": "arn", "StreamArn": "stream_arn"}  # noqa: RUF012

    @property
    def arn(self) -> str:
        return backend(self.scope).get_table(self.physical_id).table_arn

    @property
    def stream_arn(self) -> str:
        return backend(self.scope).get_table(self.physical_id).latest_stream_label or ""

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Table":
        name = properties.get("TableName", name)
        backend(scope).create_table(
            name=name,
            schema=properties["KeySchema"],
            throughput=properties.get("ProvisionedThroughput"),
            attr=properties.get("AttributeDefinitions", []),
            global_indexes=properties.get("GlobalSecondaryIndexes", []),
            indexes=properties.get("LocalSecondaryIndexes", []),
            streams=properties.get("StreamSpecification"),
            billing_mode=properties.get("BillingMode", "PROVISIONED"),
            sse_specification=_sse(properties),
            tags=properties.get("Tags", []),
            deletion_protection_enabled=as_bool(properties.get("DeletionProtectionEnabled")),
            warm_throughput=None,
        )
        resource = cls(scope, name, {})
        resource.configure(properties)
        return resource

    def update(self, properties: dict[str, Any], new_name: str) -> "Table":
        table = backend(self.scope).get_table(self.physical_id)
        table.billing_mode = properties.get("BillingMode", "PROVISIONED")
        table.deletion_protection_enabled = as_bool(properties.get("DeletionProtectionEnabled"))
        table.tags = list(properties.get("Tags", []))
        self.configure(properties)
        return self

    def configure(self, properties: dict[str, Any]) -> None:
        """Point-in-time recovery and TTL as declared."""
        dynamodb = backend(self.scope)
        pitr = properties.get("PointInTimeRecoverySpecification") or {}
        dynamodb.update_continuous_backups(
            self.physical_id,
            {"PointInTimeRecoveryEnabled": as_bool(pitr.get("PointInTimeRecoveryEnabled", False))},
        )
        ttl = properties.get("TimeToLiveSpecification")
        declared_before = self.properties.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(
                self.physical_id,
                {"AttributeName": ttl["AttributeName"], "Enabled": as_bool(ttl["Enabled"])},
            )
        elif declared_before:
            dynamodb.update_time_to_live(
                self.physical_id,
                {"AttributeName": declared_before["AttributeName"], "Enabled": False},
            )
        self.properties = properties

    def destroy(self) -> None:
        dynamodb = backend(self.scope)
        if self.physical_id in dynamodb.tables:
            dynamodb.delete_table(self.physical_id)
