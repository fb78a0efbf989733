"""The Aurora MySQL parameter groups (cluster stack): TLS required, slow and audit logs on.

prod's audit log also records every DML statement, SELECT included: who read or changed
cardholder data (PCI DSS 10.2.1, docs/security.md). The family follows the engine version
(condition IsAuroraMySql2 for a 5.7 version).
"""

from troposphere import Equals, If, Ref, Select, Split, Template
from troposphere.rds import DBClusterParameterGroup, DBParameterGroup

from tapstack_blocks.parameters import IS_PROD
from tapstack_blocks.suppressions import scanner_metadata

AUDIT_EVENTS = "CONNECT,QUERY_DDL,QUERY_DCL"
AUDIT_EVENTS_PROD = f"{AUDIT_EVENTS},QUERY_DML"
IS_MYSQL_57 = "IsAuroraMySql2"
SLOW_QUERY_SECONDS = "1"


def add_aurora_parameter_groups(
    template: Template, engine_version: Ref
) -> tuple[DBClusterParameterGroup, DBParameterGroup]:
    """The cluster's and the instances' parameter groups, of the engine version's family."""
    template.add_condition(IS_MYSQL_57, Equals(Select(0, Split(".", engine_version)), "5.7"))
    family = If(IS_MYSQL_57, "aurora-mysql5.7", "aurora-mysql8.0")
    cluster_parameters = template.add_resource(
        DBClusterParameterGroup(
            "ClusterParameterGroup",
            Description="tapstack Aurora cluster: TLS required, slow log on",
            Family=family,
            Metadata=scanner_metadata(
                {
                    "RDS_STORAGE_ENCRYPTED": "The rule selects types matching "
                    "/AWS::RDS::DBCluster/, which includes this parameter group; a parameter "
                    "group stores no data (the cluster's StorageEncrypted covers the data).",
                }
            ),
            Parameters={
                "require_secure_transport": "ON",
                "slow_query_log": "1",
                "long_query_time": SLOW_QUERY_SECONDS,
                "server_audit_logging": "1",
                # prod also records every DML statement, SELECT included: who read or changed
                # cardholder data (accounts, transactions), PCI DSS 10.2.1 (docs/security.md)
                "server_audit_events": If(IS_PROD, AUDIT_EVENTS_PROD, AUDIT_EVENTS),
            },
        )
    )
    instance_parameters = template.add_resource(
        DBParameterGroup(
            "InstanceParameterGroup",
            Description="tapstack Aurora instances: slow log on",
            Family=family,
            Parameters={"slow_query_log": "1", "long_query_time": SLOW_QUERY_SECONDS},
        )
    )
    return cluster_parameters, instance_parameters
