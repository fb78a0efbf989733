"""AWS::RDS::DBSubnetGroup, DBClusterParameterGroup and DBParameterGroup with updates.

moto has no DBClusterParameterGroup model; its subnet and parameter group models cannot update
and ignore DBParameterGroupName. Parameters land where DescribeDBClusterParameters and
DescribeDBParameters read them.
"""

from typing import Any

from moto.ec2.models import ec2_backends
from moto.rds.models import RDSBackend, rds_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register


def backend(scope: Scope) -> RDSBackend:
    """The account and region's RDS backend."""
    return rds_backends[scope.account_id][scope.region_name]


def group_name(properties: dict[str, Any], key: str, generated: str) -> str:
    """RDS lower-cases the names of groups (and truncates CloudFormation's generated ones)."""
    return str(properties.get(key, generated[:255])).lower()


def parameter_list(properties: dict[str, Any]) -> list[dict[str, Any]]:
    """The Parameters map as RDS's ModifyDB*ParameterGroup list."""
    return [
        {"ParameterName": name, "ParameterValue": str(value), "ApplyMethod": "pending-reboot"}
        for name, value in (properties.get("Parameters") or {}).items()
    ]


@register
class SubnetGroup(EmulatedResource):
    """AWS::RDS::DBSubnetGroup: Ref is the (lower-case) name."""

    TYPE = "AWS::RDS::DBSubnetGroup"
    NAME_PROPERTY = "DBSubnetGroupName"

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "SubnetGroup":
        group = backend(scope).create_subnet_group(
            group_name(properties, "DBSubnetGroupName", name),
            properties["DBSubnetGroupDescription"],
            cls._subnets(scope, properties),
            properties.get("Tags", []),
        )
        return cls(scope, group.name, properties)

    @staticmethod
    def _subnets(scope: Scope, properties: dict[str, Any]) -> list[Any]:
        ec2 = ec2_backends[scope.account_id][scope.region_name]
        return [ec2.get_subnet(subnet_id) for subnet_id in properties["SubnetIds"]]

    def update(self, properties: dict[str, Any], new_name: str) -> "SubnetGroup":
        group = backend(self.scope).subnet_groups[self.physical_id]
        group.description = properties["DBSubnetGroupDescription"]
        group.subnets = self._subnets(self.scope, properties)
        group.tags = properties.get("Tags", [])
        self.properties = properties
        return self

    def destroy(self) -> None:
        rds = backend(self.scope)
        if self.physical_id in rds.subnet_groups:
            rds.delete_subnet_group(self.physical_id)


@register
class ClusterParameterGroup(EmulatedResource):
    """AWS::RDS::DBClusterParameterGroup: Ref is the (lower-case) name."""

    TYPE = "AWS::RDS::DBClusterParameterGroup"
    NAME_PROPERTY = "DBClusterParameterGroupName"
    REPLACED_BY = ("Family", "Description")

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "ClusterParameterGroup":
        group = backend(scope).create_db_cluster_parameter_group(
            group_name(properties, "DBClusterParameterGroupName", name),
            properties["Family"],
            properties["Description"],
            properties.get("Tags", []),
        )
        group.update_cluster_parameters(parameter_list(properties))
        return cls(scope, group.name, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        group = backend(self.scope).db_cluster_parameter_groups[self.physical_id]
        group.parameters.clear()
        group.update_cluster_parameters(parameter_list(properties))
        group.tags = properties.get("Tags", [])
        self.properties = properties
        return self

    def destroy(self) -> None:
        rds = backend(self.scope)
        if self.physical_id in rds.db_cluster_parameter_groups:
            rds.delete_db_cluster_parameter_group(self.physical_id)


@register
class ParameterGroup(EmulatedResource):
    """AWS::RDS::DBParameterGroup: Ref is the (lower-case) name."""

    TYPE = "AWS::RDS::DBParameterGroup"
    NAME_PROPERTY = "DBParameterGroupName"
    REPLACED_BY = ("Family", "Description")

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "ParameterGroup":
        group = backend(scope).create_db_parameter_group(
            {
                "db_parameter_group_name": group_name(properties, "DBParameterGroupName", name),
                "db_parameter_group_family": properties["Family"],
                "description": properties["Description"],
                "tags": properties.get("Tags", []),
            }
        )
        group.update_parameters(parameter_list(properties))
        return cls(scope, group.name, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> EmulatedResource:
        group = backend(self.scope).db_parameter_groups[self.physical_id]
        group.parameters.clear()
        group.update_parameters(parameter_list(properties))
        group.tags = properties.get("Tags", [])
        self.properties = properties
        return self

    def destroy(self) -> None:
        rds = backend(self.scope)
        if self.physical_id in rds.db_parameter_groups:
            rds.delete_db_parameter_group(self.physical_id)
