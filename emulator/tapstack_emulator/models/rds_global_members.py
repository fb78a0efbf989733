"""A DBCluster's membership of a global database: which global cluster it joins, its primary,
and leaving it from any region."""

from typing import Any

from moto.rds.models import DBCluster

from tapstack_emulator.models.base import Scope
from tapstack_emulator.models.rds_global import find_global_cluster


def global_identifier(scope: Scope, properties: dict[str, Any]) -> str | None:
    """The identifier of the global cluster the cluster joins (which must exist), or None."""
    identifier = properties.get("GlobalClusterIdentifier")
    if not identifier:
        return None
    found = find_global_cluster(scope.account_id, str(identifier))
    if found is None:
        raise ValueError(f"global cluster {identifier} does not exist")
    return found.global_cluster_identifier


def global_primary(scope: Scope, properties: dict[str, Any]) -> DBCluster | None:
    """The primary a cluster joins as secondary, or None (standalone, or the first member)."""
    identifier = properties.get("GlobalClusterIdentifier")
    if not identifier:
        return None
    found = find_global_cluster(scope.account_id, str(identifier))
    if found is None:
        raise ValueError(f"global cluster {identifier} does not exist")
    return found.members[0] if found.members else None


def leave_global_cluster(scope: Scope, cluster: DBCluster) -> None:
    """Remove the cluster from its global cluster, wherever that was created (moto only looks
    in the cluster's own region)."""
    if not cluster.global_cluster_identifier:
        return
    found = find_global_cluster(scope.account_id, cluster.global_cluster_identifier)
    if found is not None and cluster in found.members:
        found.members.remove(cluster)
