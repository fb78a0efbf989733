"""The addresses a function in a VPC sees for the local Aurora clusters.

In AWS a cluster endpoint resolves, inside a VPC, to an address in the cluster's database
subnets. The local clusters all listen on 127.0.0.1 (one MariaDB server per account, its port
the cluster's port), so a function that checks where an endpoint resolves (the sync refuses a
target outside its VPC) would see loopback. For a function with a VpcConfig, the runner is
therefore handed, for each local cluster endpoint, the address the cluster has in its VPC: host
number HOST_NUMBER of the lowest of its DB subnet group's subnets. In the function, that endpoint
resolves to that address and connections to that address reach the local server (runner.py,
`use_vpc_network`): the endpoint behaves as a VPC address would, and no code of the function
knows. Where two clusters share a server (a global database's primary and secondary in one
account), the one in the function's own account and region wins. Names in the private hosted
zones associated with the function's VPC resolve as that VPC's Route 53 Resolver answers them
(CNAMEs followed, the canonical name reported), so a function reaching the database through a
failover name (the validator's `writer-dns`) works as in AWS; other names go to the host's
resolver.
"""

import ipaddress
import json
from typing import Any

from moto.ec2.exceptions import InvalidSubnetIdError
from moto.ec2.models import ec2_backends
from moto.rds.models import rds_backends

from tapstack_emulator import runtime, vpc_resolver
from tapstack_emulator.models.rds_cluster import LocalCluster

ENVIRONMENT_VARIABLE = "TAPSTACK_EMULATOR_VPC_NETWORK"
HOST_NUMBER = 10


def _vpc_address(subnets: list[Any]) -> str:
    lowest = min(ipaddress.ip_network(subnet.cidr_block) for subnet in subnets)
    return str(lowest.network_address + HOST_NUMBER)


def cluster_addresses(account_id: str, region: str) -> list[tuple[str, int, str]]:
    """(local host, local port, VPC address) of every local cluster endpoint, as seen by a
    function in `account_id`/`region`."""
    chosen: dict[tuple[str, int], tuple[bool, str]] = {}
    for cluster_account in list(rds_backends.keys()):
        for cluster_region, rds in list(rds_backends[cluster_account].items()):
            for cluster in list(rds.clusters.values()):
                group = rds.subnet_groups.get((cluster.db_subnet_group_name or "").lower())
                if not isinstance(cluster, LocalCluster) or group is None or not group._subnets:
                    continue
                own = (cluster_account, cluster_region) == (account_id, region)
                key = (cluster.endpoint, int(cluster.port))
                if key not in chosen or (own and not chosen[key][0]):
                    chosen[key] = (own, _vpc_address(group._subnets))
    return sorted((host, port, address) for (host, port), (_own, address) in chosen.items())


def function_vpc(function: Any) -> str | None:
    """The VPC of the function's first subnet (None outside a VPC or for unknown subnets)."""
    config = getattr(function, "_vpc_config", None) or {}
    subnets = config.get("SubnetIds") or []
    if not subnets:
        return None
    try:
        return ec2_backends[function.account_id][function.region].get_subnet(subnets[0]).vpc_id
    except InvalidSubnetIdError:
        return None


def environment(function: Any) -> dict[str, str]:
    """The runner's setting for `function` in a VPC: the cluster addresses, and the VPC's
    Route 53 Resolver (private hosted zones associated with it, vpc_resolver.py)."""
    vpc = function_vpc(function)
    if vpc is None:
        return {}
    setting = {
        "addresses": cluster_addresses(function.account_id, function.region),
        "resolver": f"{runtime.endpoint()}{vpc_resolver.PATH}",
        "vpc": vpc,
        "region": function.region,
    }
    return {ENVIRONMENT_VARIABLE: json.dumps(setting)}
