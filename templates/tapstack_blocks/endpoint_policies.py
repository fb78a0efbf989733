"""VPC endpoint policies: the data perimeter of a tapstack VPC.

Whatever credentials code in the VPC holds, a request through one of its endpoints must come
from a principal of this account (`aws:PrincipalAccount`) and reach a resource of this account
(`aws:ResourceAccount`); a stolen key of another account, or a bucket, secret, log group or
parameter of another account, is refused at the endpoint. The only cross-account calls the
project makes are the prod sync's: it assumes each target's sync-target role (STS, this
account's principal on the target's role) and reads the target's sync-writer secret as that role
(Secrets Manager, the target's principal on the target's secret). Those two, and nothing else,
are admitted for exactly the sync-target role ARNs, when they are given.
"""

from awacs import ec2, secretsmanager, sts
from awacs.aws import (
    Action,
    Allow,
    ArnEquals,
    Condition,
    Policy,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import AWSHelperFn, If, Ref

THIS_ACCOUNT = Ref("AWS::AccountId")
# Actions the project calls that have no resource type (the rotation function's
# GetRandomPassword, the default-group lockdown's DescribeSecurityGroups): a request for no
# resource carries no resource account, so only the principal is checked.
RESOURCELESS_ACTIONS = {
    "secretsmanager": [secretsmanager.GetRandomPassword],
    "ec2": [ec2.DescribeSecurityGroups],
}


def _this_account_only() -> Statement:
    return Statement(
        Sid="ThisAccountsPrincipalsOnThisAccountsResources",
        Effect=Allow,
        Principal=Principal("*"),
        Action=[Action("*")],
        Resource=["*"],
        Condition=Condition(
            StringEquals(
                {"aws:PrincipalAccount": THIS_ACCOUNT, "aws:ResourceAccount": THIS_ACCOUNT}
            )
        ),
    )


def _resourceless(service: str) -> list[Statement]:
    if service not in RESOURCELESS_ACTIONS:
        return []
    return [
        Statement(
            Sid="ThisAccountsPrincipalsOnActionsWithoutResource",
            Effect=Allow,
            Principal=Principal("*"),
            Action=RESOURCELESS_ACTIONS[service],
            Resource=["*"],
            Condition=Condition(StringEquals("aws:PrincipalAccount", THIS_ACCOUNT)),
        )
    ]


def _sync_targets(service: str, target_role_arns: AWSHelperFn) -> list[Statement]:
    """The prod sync's two cross-account calls, for exactly the sync-target roles."""
    if service == "sts":
        return [
            Statement(
                Sid="AssumeTheSyncTargetRoles",
                Effect=Allow,
                Principal=Principal("*"),
                Action=[sts.AssumeRole],
                Resource=target_role_arns,
                Condition=Condition(StringEquals("aws:PrincipalAccount", THIS_ACCOUNT)),
            )
        ]
    if service == "secretsmanager":
        return [
            Statement(
                Sid="SyncTargetRolesReadTheirSecrets",
                Effect=Allow,
                Principal=Principal("*"),
                Action=[secretsmanager.GetSecretValue, secretsmanager.DescribeSecret],
                Resource=["*"],  # each target role's own IAM policy names its one secret
                Condition=Condition(ArnEquals("aws:PrincipalArn", target_role_arns)),
            )
        ]
    return []


def endpoint_policy(
    service: str, target_role_arns: AWSHelperFn | None = None, has_targets: str = ""
) -> Policy | If:
    """The endpoint policy of `service` (s3, sts, kms, ...); with `target_role_arns`, under the
    condition `has_targets`, the sync's cross-account calls too (sts, secretsmanager)."""
    base = [_this_account_only(), *_resourceless(service)]
    account_only = Policy(Version="2012-10-17", Statement=base)
    extra = _sync_targets(service, target_role_arns) if target_role_arns is not None else []
    if not extra:
        return account_only
    return If(has_targets, Policy(Version="2012-10-17", Statement=[*base, *extra]), account_only)
