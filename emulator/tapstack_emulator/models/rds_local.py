"""moto's RDS cluster and instance records reached at the account's local MariaDB server, and
the property readings the cluster and instance models share."""

from typing import Any

from moto.rds.models import DBCluster, DBInstanceClustered

MAX_IDENTIFIER = 63


class LocalCluster(DBCluster):
    """moto's cluster, reached at the local server."""

    local_host = "127.0.0.1"

    @property
    def endpoint(self) -> str:
        return self.local_host

    @property
    def reader_endpoint(self) -> str:
        return self.local_host


class LocalInstance(DBInstanceClustered):
    """moto's cluster instance, reached at its cluster's local server."""

    @property
    def address(self) -> str:
        return LocalCluster.local_host


def flag(value: Any) -> bool:
    """A CloudFormation boolean: True, or "true" in any case."""
    return value is True or str(value).lower() == "true"


def rds_identifier(properties: dict[str, Any], key: str, generated: str) -> str:
    """The identifier `key` names, else `generated` cut to RDS's length; lower case."""
    return str(properties.get(key, generated[:MAX_IDENTIFIER].rstrip("-"))).lower()
