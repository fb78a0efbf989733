"""The naming convention `{resource}-{env}-{suffix}`, as CloudFormation expressions.

Names are known before resources exist, so alarms, policies and other stacks can address a
resource by name alone.
"""

from troposphere import AWSHelperFn, Sub

PROJECT = "tapstack"
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


def export_name(output: str) -> Sub:
    """Export names other teams import: `tapstack-{env}-{output}`."""
    return Sub(f"{PROJECT}-${{{ENVIRONMENT_PARAMETER}}}-{output}")


def deploy_role_arn() -> AWSHelperFn:
    """The ARN of this account's deploy role, the role every stack group assumes."""
    return Sub(
        f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{PROJECT}-deploy-"
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
    return Sub(f"/{PROJECT}/${{{ENVIRONMENT_PARAMETER}}}/db/writer-dns")
