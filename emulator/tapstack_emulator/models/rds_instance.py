"""AWS::RDS::DBInstance of an Aurora cluster, at its cluster's local server (moto's DBInstance
model crashes on a subnet group given by Ref)."""

from typing import Any, ClassVar

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.models.rds_groups import backend
from tapstack_emulator.models.rds_local import LocalInstance, flag, rds_identifier
from tapstack_emulator.registry import register


@register
class Instance(EmulatedResource):
    """AWS::RDS::DBInstance of a cluster: Ref is the identifier; GetAtt Endpoint.Address,
    Endpoint.Port, DBInstanceArn."""

    TYPE = "AWS::RDS::DBInstance"
    NAME_PROPERTY = "DBInstanceIdentifier"
    ATTRIBUTES: ClassVar[dict[str, str]] = {
        "Endpoint.Address": "address",
        "Endpoint.Port": "port",
        "DBInstanceArn": "arn",
    }
    REPLACED_BY = ("DBClusterIdentifier", "Engine", "AvailabilityZone")

    @property
    def instance(self) -> LocalInstance:
        return backend(self.scope).databases[self.physical_id]

    @property
    def address(self) -> str:
        return self.instance.address

    @property
    def port(self) -> str:
        return str(self.instance.port)

    @property
    def arn(self) -> str:
        return self.instance.db_instance_arn

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Instance":
        if "DBClusterIdentifier" not in properties:
            raise ValueError("the local AWS models DB instances of Aurora clusters only")
        rds = backend(scope)
        identifier = rds_identifier(properties, "DBInstanceIdentifier", name)
        cluster = rds.clusters[str(properties["DBClusterIdentifier"]).lower()]
        instance = rds.create_db_instance(
            {
                "db_instance_identifier": identifier,
                "db_instance_class": properties["DBInstanceClass"],
                "engine": properties["Engine"],
                "db_cluster_identifier": cluster.db_cluster_identifier,
                "db_parameter_group_name": properties.get("DBParameterGroupName"),
                "db_subnet_group_name": cluster.db_subnet_group_name,
                "availability_zone": properties.get("AvailabilityZone"),
                "publicly_accessible": flag(properties.get("PubliclyAccessible", False)),
                "auto_minor_version_upgrade": flag(properties.get("AutoMinorVersionUpgrade", True)),
                "monitoring_interval": int(properties.get("MonitoringInterval", 0)),
                "monitoring_role_arn": properties.get("MonitoringRoleArn"),
                "promotion_tier": int(properties.get("PromotionTier", 1)),
                "port": cluster.port,
                "tags": properties.get("Tags", []),
            }
        )
        instance.__class__ = LocalInstance
        return cls(scope, identifier, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        instance = self.instance
        instance.db_instance_class = properties["DBInstanceClass"]
        instance.db_parameter_group_name = properties.get("DBParameterGroupName")
        instance.monitoring_interval = int(properties.get("MonitoringInterval", 0))
        instance.monitoring_role_arn = properties.get("MonitoringRoleArn")
        instance.tags = properties.get("Tags", [])
        self.properties = properties
        return self

    def destroy(self) -> None:
        rds = backend(self.scope)
        if self.physical_id in rds.databases:
            rds.delete_db_instance(self.physical_id)
