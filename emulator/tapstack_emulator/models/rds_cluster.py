"""AWS::RDS::DBCluster: local Aurora on the account's MariaDB server.

moto has no DBCluster model (DBInstance: rds_instance.py). A cluster here is moto's cluster
record (so DescribeDBClusters shows every property moto knows) whose endpoints are the account's
MariaDB server (databases.py), with DatabaseName and the master user provisioned there.
ManageMasterUserPassword keeps the working credentials in the RDS-managed secret
(`rds!cluster-<uuid>`, see behaviours/rds_master_secret.py). Delete drops database and user;
DeletionPolicy Snapshot first records a final cluster snapshot (metadata only: the data is not
kept).
"""

import json
import uuid
from typing import Any, ClassVar

from moto.rds.models import DBCluster

from tapstack_emulator import databases
from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.rds_global_members import (
    global_identifier,
    global_primary,
    leave_global_cluster,
)
from tapstack_emulator.models.rds_groups import backend
from tapstack_emulator.models.rds_local import LocalCluster, flag, rds_identifier
from tapstack_emulator.registry import register

__all__ = ["Cluster", "LocalCluster"]


def _cluster_settings(properties: dict[str, Any]) -> dict[str, Any]:
    """What may change in place, as attributes of moto's cluster."""
    return {
        "backup_retention_period": int(properties.get("BackupRetentionPeriod", 1)),
        "enabled_cloudwatch_logs_exports": list(properties.get("EnableCloudwatchLogsExports", [])),
        "iam_auth": flag(properties.get("EnableIAMDatabaseAuthentication", False)),
        "parameter_group": str(
            properties.get("DBClusterParameterGroupName", "default.aurora-mysql8.0")
        ).lower(),
        "vpc_security_group_ids": list(properties.get("VpcSecurityGroupIds", [])),
        "deletion_protection": flag(properties.get("DeletionProtection", False)),
        "copy_tags_to_snapshot": flag(properties.get("CopyTagsToSnapshot", False)),
        "tags": list(properties.get("Tags", [])),
        "preferred_backup_window": properties.get("PreferredBackupWindow", "01:37-02:07"),
        "preferred_maintenance_window": properties.get(
            "PreferredMaintenanceWindow", "wed:02:40-wed:03:10"
        ),
    }


@register
class Cluster(EmulatedResource):
    """AWS::RDS::DBCluster: Ref is the identifier; GetAtt Endpoint.Address, Endpoint.Port,
    ReadEndpoint.Address, MasterUserSecret.SecretArn, DBClusterArn, DBClusterResourceId."""

    TYPE = "AWS::RDS::DBCluster"
    #: properties CloudFormation can only change by replacing the cluster
    REPLACED_BY = (
        "Engine",
        "DatabaseName",
        "MasterUsername",
        "StorageEncrypted",
        "KmsKeyId",
        "AvailabilityZones",
        "ManageMasterUserPassword",
        "GlobalClusterIdentifier",
    )
    NAME_PROPERTY = "DBClusterIdentifier"
    ATTRIBUTES: ClassVar[dict[str, str]] = {
        "Endpoint.Address": "address",
        "Endpoint.Port": "port",
        "ReadEndpoint.Address": "address",
        "MasterUserSecret.SecretArn": "secret_arn",
        "DBClusterArn": "arn",
        "DBClusterResourceId": "resource_id",
    }

    @property
    def cluster(self) -> LocalCluster:
        return backend(self.scope).clusters[self.physical_id]

    @property
    def address(self) -> str:
        return self.cluster.endpoint

    @property
    def port(self) -> str:
        return str(self.cluster.port)  # CloudFormation answers the port as a string

    @property
    def secret_arn(self) -> str:
        if not self.cluster.manage_master_user_password:
            raise KeyError("MasterUserSecret exists only with ManageMasterUserPassword")
        return self.cluster.master_user_secret.secret_arn

    @property
    def arn(self) -> str:
        return self.cluster.db_cluster_arn

    @property
    def resource_id(self) -> str:
        return self.cluster.db_cluster_resource_id

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Cluster":
        primary = global_primary(scope, properties)
        if primary is not None:
            return cls._create_secondary(scope, name, properties, primary)
        rds = backend(scope)
        identifier = rds_identifier(properties, "DBClusterIdentifier", name)
        server = databases.server_for(scope.account_id)
        managed = flag(properties.get("ManageMasterUserPassword", False))
        if managed and properties.get("GlobalClusterIdentifier"):
            raise ValueError(
                "ManageMasterUserPassword is not supported for DB clusters that are part of "
                "an Aurora global database"
            )
        if not managed and not properties.get("MasterUserPassword"):
            raise ValueError("MasterUserPassword is required unless ManageMasterUserPassword")
        cluster = rds.create_db_cluster(
            {
                "db_cluster_identifier": identifier,
                "engine": properties["Engine"],
                "engine_version": properties.get("EngineVersion"),
                "master_username": properties["MasterUsername"],
                "master_user_password": None if managed else properties["MasterUserPassword"],
                "database_name": properties.get("DatabaseName"),
                "db_subnet_group_name": properties.get("DBSubnetGroupName"),
                "port": server.port,
                "storage_encrypted": flag(properties.get("StorageEncrypted", False)),
                "kms_key_id": properties.get("KmsKeyId"),
                "manage_master_user_password": managed,
                "master_user_secret_kms_key_id": (properties.get("MasterUserSecret") or {}).get(
                    "KmsKeyId"
                ),
                "availability_zones": properties.get("AvailabilityZones"),
                "enable_iam_database_authentication": flag(
                    properties.get("EnableIAMDatabaseAuthentication", False)
                ),
                "global_cluster_identifier": global_identifier(scope, properties),
            }
        )
        cluster.__class__ = LocalCluster
        resource = cls(scope, identifier, properties)
        try:
            resource.configure(properties)
            databases.provision(
                scope.account_id,
                identifier,
                properties.get("DatabaseName"),
                properties["MasterUsername"],
                resource.master_password(properties),
            )
        except Exception:
            resource.destroy()
            raise
        return resource

    @classmethod
    def _create_secondary(
        cls, scope: Scope, name: str, properties: dict[str, Any], primary: DBCluster
    ) -> "Cluster":
        """A read-only member of a global database: no database, user or password of its
        own; served by its primary's local database (shared storage)."""
        for own in ("MasterUsername", "MasterUserPassword", "ManageMasterUserPassword"):
            if properties.get(own):
                raise ValueError(f"{own} cannot be set on a secondary cluster of a global database")
        identifier = rds_identifier(properties, "DBClusterIdentifier", name)
        cluster = backend(scope).create_db_cluster(
            {
                "db_cluster_identifier": identifier,
                "engine": properties["Engine"],
                "engine_version": properties.get("EngineVersion"),
                "db_subnet_group_name": properties.get("DBSubnetGroupName"),
                "port": primary.port,
                "storage_encrypted": flag(properties.get("StorageEncrypted", False)),
                "kms_key_id": properties.get("KmsKeyId"),
                "global_cluster_identifier": global_identifier(scope, properties),
            }
        )
        cluster.__class__ = LocalCluster
        cluster.database_name = primary.database_name
        cluster.master_username = primary.master_username
        resource = cls(scope, identifier, properties)
        resource.configure(properties)
        return resource

    @property
    def is_secondary(self) -> bool:
        """A read-only member of a global database (its data belongs to the primary)."""
        return not self.properties.get("MasterUsername") and bool(
            self.properties.get("GlobalClusterIdentifier")
        )

    def master_password(self, properties: dict[str, Any]) -> str:
        """The password the master user gets: the managed secret's, or the template's."""
        if self.cluster.manage_master_user_password:
            secret = self.cluster.master_user_secret.secret
            return json.loads(secret.secret_string)["password"]
        return properties["MasterUserPassword"]

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        cluster = self.cluster
        if properties.get("EngineVersion"):
            cluster.engine_version = properties["EngineVersion"]
        secret_key = (properties.get("MasterUserSecret") or {}).get("KmsKeyId")
        if cluster.manage_master_user_password and secret_key:
            cluster.master_user_secret.secret.kms_key_id = secret_key
        if not cluster.manage_master_user_password and properties.get("MasterUserPassword"):
            databases.set_password(
                self.scope.account_id, cluster.master_username, properties["MasterUserPassword"]
            )
        self.configure(properties)
        return self

    def configure(self, properties: dict[str, Any]) -> None:
        """Settings that change in place."""
        cluster = self.cluster
        for attribute, value in _cluster_settings(properties).items():
            setattr(cluster, attribute, value)
        self.properties = properties

    def destroy(self) -> None:
        rds = backend(self.scope)
        cluster = rds.clusters.get(self.physical_id)
        if cluster is None:
            return
        leave_global_cluster(self.scope, cluster)
        if self.is_secondary:
            rds.delete_db_cluster(self.physical_id, None)
            return
        snapshot = None
        if getattr(self, "deletion_policy", "Delete") == "Snapshot":
            suffix = uuid.uuid4().hex[:12]
            snapshot = f"{self.scope.stack_name}-{self.scope.logical_id}-snapshot-{suffix}".lower()
        rds.delete_db_cluster(self.physical_id, snapshot)
        databases.drop(
            self.scope.account_id,
            self.physical_id,
            self.properties.get("DatabaseName"),
            self.properties["MasterUsername"],
        )
