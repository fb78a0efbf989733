"""AWS::RDS::GlobalCluster: an Aurora global database, in moto's RDS backend.

moto has the API (CreateGlobalCluster, DescribeGlobalClusters) but no CloudFormation model.
Members join through their DBCluster's GlobalClusterIdentifier (models/rds_cluster.py): the
first is the primary (the writer), later ones are read-only secondaries. Storage-level
replication is modelled as shared storage: a secondary is served by the same local database as
its primary (one MariaDB server per account, see databases.py).
"""

from typing import Any

from moto.rds.models import GlobalCluster as MotoGlobalCluster
from moto.rds.models import rds_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.rds_groups import backend
from tapstack_emulator.models.rds_local import flag
from tapstack_emulator.registry import register


def find_global_cluster(account_id: str, identifier: str) -> MotoGlobalCluster | None:
    """The account's global cluster named `identifier` (or its ARN), in whichever region it was
    created: a global cluster is addressed the same way from every region."""
    name = identifier.rsplit(":", 1)[-1].lower()
    for regional in rds_backends[account_id].values():
        found = regional.global_clusters.get(name)
        if found is not None:
            return found
    return None


@register
class GlobalCluster(EmulatedResource):
    """AWS::RDS::GlobalCluster: Ref is the global cluster identifier."""

    TYPE = "AWS::RDS::GlobalCluster"
    REPLACED_BY = ("Engine", "StorageEncrypted", "SourceDBClusterIdentifier")
    NAME_PROPERTY = "GlobalClusterIdentifier"

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "GlobalCluster":
        if "SourceDBClusterIdentifier" in properties:
            raise ValueError(
                "the local AWS creates global clusters empty (Engine, EngineVersion); members "
                "join through their DBCluster's GlobalClusterIdentifier"
            )
        identifier = str(properties.get("GlobalClusterIdentifier", name)).lower()
        if find_global_cluster(scope.account_id, identifier) is not None:
            raise ValueError(f"global cluster {identifier} already exists")
        backend(scope).create_global_cluster(
            global_cluster_identifier=identifier,
            source_db_cluster_identifier=None,
            engine=properties["Engine"],
            engine_version=properties.get("EngineVersion"),
            storage_encrypted=flag(properties.get("StorageEncrypted", False)),
            deletion_protection=flag(properties.get("DeletionProtection", False)),
        )
        return cls(scope, identifier, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        found = find_global_cluster(self.scope.account_id, self.physical_id)
        if found is not None and properties.get("EngineVersion"):
            found.engine_version = properties["EngineVersion"]
        self.properties = properties
        return self

    def destroy(self) -> None:
        rds = backend(self.scope)
        if self.physical_id in rds.global_clusters:
            # Fails, as in AWS, while a member cluster is still in it.
            rds.delete_global_cluster(self.physical_id)
