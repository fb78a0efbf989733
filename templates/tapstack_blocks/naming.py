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


def global_resource_name(resource: str) -> Sub:
    """The regional name plus account and region, for globally unique names (S3 buckets)."""
    return Sub(
        f"{PROJECT}-{resource}-${{{ENVIRONMENT_PARAMETER}}}-${{{SUFFIX_PARAMETER}}}"
        "-${AWS::AccountId}-${AWS::Region}"
    )


def export_name(output: str) -> Sub:
    """Export names other teams import: `tapstack-{env}-{output}`."""
    return Sub(f"{PROJECT}-${{{ENVIRONMENT_PARAMETER}}}-{output}")


def deploy_role_arn() -> AWSHelperFn:
    """The ARN of this account's deploy role, the role every stack group assumes."""
    return Sub(
        f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{PROJECT}-deploy-"
        f"${{{ENVIRONMENT_PARAMETER}}}"
    )
