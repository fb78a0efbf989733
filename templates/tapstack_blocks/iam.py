"""IAM shapes every template needs, written with awacs."""

from awacs.aws import Allow, Condition, Policy, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from troposphere import Ref


def service_trust_policy(service: str) -> Policy:
    """Trust `service` (e.g. `vpc-flow-logs.amazonaws.com`) on behalf of this account only."""
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Service", service),
                Action=[AssumeRole],
                # Confused-deputy guard: the service may assume the role for this account only.
                Condition=Condition(StringEquals("aws:SourceAccount", Ref("AWS::AccountId"))),
            )
        ],
    )
