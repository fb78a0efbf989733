"""The statement every tapstack resource policy starts from: no request without TLS.

Bucket and topic policies (and any other resource policy) add it, so the rule is written once:
a Deny for every principal when `aws:SecureTransport` is false.
"""

from awacs.aws import Action, Bool, Condition, Deny, Principal, Statement
from troposphere import AWSHelperFn, GetAtt, Sub


def deny_insecure_transport(actions: list[Action], resources: list[AWSHelperFn]) -> Statement:
    """Deny `actions` on `resources` to anyone whose request does not use TLS."""
    return Statement(
        Sid="DenyInsecureTransport",
        Effect=Deny,
        Principal=Principal("*"),  # a Deny for everyone: no request without TLS
        Action=actions,
        Resource=resources,
        Condition=Condition(Bool("aws:SecureTransport", False)),
    )


def bucket_and_objects(bucket_arn: AWSHelperFn) -> list[AWSHelperFn]:
    """The bucket's ARN and its objects' (`{arn}/*`): what a bucket-wide statement covers."""
    return [bucket_arn, Sub("${Arn}/*", Arn=bucket_arn)]


def bucket_resources(bucket) -> list[AWSHelperFn]:
    """`bucket_and_objects` of a bucket of this template."""
    return bucket_and_objects(GetAtt(bucket, "Arn"))
