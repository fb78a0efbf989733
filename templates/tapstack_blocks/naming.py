"""The naming convention `{resource}-{env}-{suffix}`, as CloudFormation expressions.

Names are known before resources exist, so alarms, policies and other stacks can address a
resource by name alone.
"""

from tapstack_environment import conventions
from tapstack_environment.conventions import PROJECT
from troposphere import AWSHelperFn, Sub

ENVIRONMENT_PARAMETER = "EnvironmentName"
SUFFIX_PARAMETER = "EnvironmentSuffix"


def resource_name(resource: str) -> Sub:
    """`{project}-{resource}-{env}-{suffix}` for a resource whose name is regional."""
    return Sub(f"{PROJECT}-{resource}-${{{ENVIRONMENT_PARAMETER}}}-${{{SUFFIX_PARAMETER}}}")


def _global_name_pattern(resource: str) -> str:
    return (
        f"{PROJECT}-{resource}-${{{ENVIRONMENT_PARAMETER}}}-${{{SUFFIX_PARAMETER}}}"
        "-${AWS::AccountId}-${AWS::Region}"
    )


def global_resource_name(resource: str) -> Sub:
    """The regional name plus account and region, for globally unique names (S3 buckets)."""
    return Sub(_global_name_pattern(resource))


def bucket_arn(resource: str) -> Sub:
    """The ARN of this stack's bucket named `global_resource_name(resource)`, known before the
    bucket exists (so a policy on the bucket's own role needs no GetAtt and makes no cycle)."""
    return Sub("arn:${AWS::Partition}:s3:::" + _global_name_pattern(resource))


def bucket_objects_arn(resource: str, prefix: str) -> Sub:
    """The ARN of the objects under `prefix` in this environment's bucket named
    `global_resource_name(resource)` (another stack's of the same group: no dependency on it)."""
    return Sub("arn:${AWS::Partition}:s3:::" + _global_name_pattern(resource) + f"/{prefix}*")


def export_name(output: str) -> Sub:
    """Export names other teams import: `tapstack-{env}-{output}`."""
    return Sub(f"{PROJECT}-${{{ENVIRONMENT_PARAMETER}}}-{output}")


def deploy_role_name() -> Sub:
    """`tapstack-deploy-{env}`: the role every stack group assumes, named once
    (`tapstack_environment.conventions.DEPLOY_ROLE`, which `!deploy_role` resolves too)."""
    return Sub(f"{conventions.DEPLOY_ROLE}-${{{ENVIRONMENT_PARAMETER}}}")


def deploy_role_arn() -> AWSHelperFn:
    """The ARN of this account's deploy role, the role every stack group assumes."""
    return Sub(
        f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{conventions.DEPLOY_ROLE}-"
        f"${{{ENVIRONMENT_PARAMETER}}}"
    )


def writer_dns_name() -> Sub:
    """The stable name of the environment's database writer in its private hosted zone
    (Route 53 failover records); Lambdas read it from SSM (`writer_dns_parameter`)."""
    return Sub(f"writer.db.${{{ENVIRONMENT_PARAMETER}}}.{PROJECT}.internal")


def private_zone_name() -> Sub:
    """The environment's private hosted zone, shared by its VPCs in every region."""
    return Sub(f"${{{ENVIRONMENT_PARAMETER}}}.{PROJECT}.internal")


def writer_dns_parameter() -> Sub:
    """The SSM parameter, in every region of the environment, that holds `writer_dns_name`."""
    return database_parameter_name("writer-dns")


# The environment's database facts in SSM (database stack, baseline) and its secrets.
_DATABASE_PARAMETERS = f"/{PROJECT}/${{{ENVIRONMENT_PARAMETER}}}/db"
_SECRETS = f"{PROJECT}/${{{ENVIRONMENT_PARAMETER}}}/${{{SUFFIX_PARAMETER}}}"


def database_parameters_path() -> Sub:
    """`/tapstack/{env}/db`: where the environment's database connection facts live in SSM."""
    return Sub(_DATABASE_PARAMETERS)


def database_parameter_name(leaf: str) -> Sub:
    """`/tapstack/{env}/db/{leaf}`: one connection fact (`endpoint`, `port`, `writer-dns`, …)."""
    return Sub(f"{_DATABASE_PARAMETERS}/{leaf}")


def database_parameter_arn(leaf: str, region: str = "${AWS::Region}") -> Sub:
    """The ARN of `database_parameter_name(leaf)` in this account (`region="*"`: any region)."""
    return Sub(
        f"arn:${{AWS::Partition}}:ssm:{region}:${{AWS::AccountId}}:parameter"
        f"{_DATABASE_PARAMETERS}/{leaf}"
    )


def secret_name(leaf: str) -> Sub:
    """`tapstack/{env}/{suffix}/{leaf}`: a Secrets Manager secret of this environment."""
    return Sub(f"{_SECRETS}/{leaf}")


def database_secret_name(user: str) -> Sub:
    """`tapstack/{env}/{suffix}/db/{user}`: the secret of database user `user`."""
    return secret_name(f"db/{user}")


def database_secret_name_in(environment: str, user: str) -> str:
    """`database_secret_name(user)` of another environment, as text for a `Sub` (same suffix)."""
    return f"{PROJECT}/{environment}/${{{SUFFIX_PARAMETER}}}/db/{user}"


def database_secret_arn(user: str) -> Sub:
    """The ARN of this environment's `database_secret_name(user)` secret.

    Secrets Manager appends `-` and six random characters to a secret's name in its ARN; `??????`
    matches exactly those six, so the pattern names one secret and no other.
    """
    return Sub(
        "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
        f"{_SECRETS}/db/{user}-??????"
    )


def log_group_name(leaf: str) -> Sub:
    """`/tapstack/{env}/{suffix}/{leaf}`: a log group that belongs to the environment."""
    return Sub(f"/{PROJECT}/${{{ENVIRONMENT_PARAMETER}}}/${{{SUFFIX_PARAMETER}}}/{leaf}")
