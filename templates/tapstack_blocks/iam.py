"""IAM shapes every template needs, written with awacs."""

from awacs.aws import Allow, ArnEquals, Condition, Policy, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from troposphere import AWSHelperFn, Ref, Sub


def service_trust_policy(service: str, source_arn: AWSHelperFn | None = None) -> Policy:
    """Trust `service` (e.g. `vpc-flow-logs.amazonaws.com`) on behalf of this account only, and
    with `source_arn` only for that one resource (e.g. one Lambda function)."""
    conditions = [StringEquals("aws:SourceAccount", Ref("AWS::AccountId"))]
    if source_arn is not None:
        conditions.append(ArnEquals("aws:SourceArn", source_arn))
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Service", service),
                Action=[AssumeRole],
                # Confused-deputy guard: the service may assume the role for this account only.
                Condition=Condition(conditions),
            )
        ],
    )


def aws_managed_policy_arn(name: str) -> Sub:
    """The ARN of the AWS managed policy `name` (`service-role/...`), in this partition."""
    return Sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{name}")
