"""Where the environment's cluster is and which secret opens it, as parameters.

The cluster stack creates the cluster and exports these facts; the stacks that act on it (the
database stack's instances and connection parameters, the users stack, the migrations stack)
take them as the same constrained parameters, specified once here.
"""

from troposphere import Parameter, Template

CLUSTER_ID_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
HOST_NAME_PATTERN = r"^[A-Za-z0-9.-]+$"
SCHEMA_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
# Any secret name: an RDS-managed master secret's is `rds!cluster-…`.
MASTER_SECRET_ARN_PATTERN = r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$"  # noqa: S105 - a pattern, not a password


def _specs() -> dict[str, Parameter]:
    specs = [
        Parameter(
            "ClusterIdentifier",
            Type="String",
            AllowedPattern=CLUSTER_ID_PATTERN,
            Description="Identifier of the Aurora cluster (cluster stack).",
            ConstraintDescription="must be a DB cluster identifier",
        ),
        Parameter(
            "DatabaseEndpoint",
            Type="String",
            AllowedPattern=HOST_NAME_PATTERN,
            Description="Writer endpoint of the cluster (cluster stack).",
            ConstraintDescription="must be a host name",
        ),
        Parameter(
            "DatabasePort",
            Type="Number",
            MinValue=1,
            MaxValue=65535,
            Description="MySQL port of the cluster (cluster stack).",
            ConstraintDescription="must be a TCP port",
        ),
        Parameter(
            "DatabaseName",
            Type="String",
            AllowedPattern=SCHEMA_NAME_PATTERN,
            Description="Schema the migrations apply to (cluster stack).",
            ConstraintDescription="must be a MySQL schema name",
        ),
        Parameter(
            "MasterSecretArn",
            Type="String",
            AllowedPattern=MASTER_SECRET_ARN_PATTERN,
            Description="The master secret (cluster stack): RDS-managed, generated for an "
            "Aurora global database's primary, or the replica of the primary's.",
            ConstraintDescription="must be a Secrets Manager secret ARN",
        ),
    ]
    return {spec.title: spec for spec in specs}


def add_cluster_fact_parameters(template: Template, *names: str) -> dict[str, Parameter]:
    """Add the named cluster facts (ClusterIdentifier, DatabaseEndpoint, DatabasePort,
    DatabaseName, MasterSecretArn) as parameters; {name: Parameter}."""
    specs = _specs()
    unknown = sorted(set(names) - set(specs))
    if unknown:
        raise ValueError(f"unknown cluster facts {unknown}; known: {sorted(specs)}")
    return {name: template.add_parameter(specs[name]) for name in names}
