"""Cross-account IAM shapes: exact-principal trust, the sync roles' names and the ARNs they use.

Every cross-account principal is one exact role ARN (derived from the accounts map in
config/config.yaml); an ExternalId is required on top, so a role ARN leaked into another
tool cannot be used to assume the target role.
"""

from awacs.aws import Allow, Condition, Policy, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from troposphere import AWSHelperFn, Sub

from tapstack_blocks.naming import ENVIRONMENT_PARAMETER, PROJECT

SYNC_ROLE = f"{PROJECT}-sync"  # + "-prod": the prod sync Lambda's role
SYNC_TARGET_ROLE = f"{PROJECT}-sync-target"  # + "-{env}": what the sync role assumes
# + "-{env}" (staging, dev): what prod's deployer accepts peering with in that account
PEERING_ACCEPTER_ROLE = f"{PROJECT}-peering-accepter"
SESSION_SECONDS = 3600  # the account-level roles' sessions (deploy, sync, accepter)
ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,64}$"
PRINCIPAL_ARN_PATTERN = r"^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|user|assumed-role)/[\w+=,.@/-]+$"
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9+=,.@:/_-]{16,1224}$"


def role_name(role: str) -> Sub:
    """`{role}-{env}`: account-level role names carry the environment, not the suffix."""
    return Sub(f"{role}-${{{ENVIRONMENT_PARAMETER}}}")


def trust_exact_role(role_arn: AWSHelperFn | str, external_id: AWSHelperFn | str) -> Policy:
    """Trust exactly one role ARN, and only with the ExternalId."""
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("AWS", [role_arn]),
                Action=[AssumeRole],
                Condition=Condition(StringEquals("sts:ExternalId", external_id)),
            )
        ],
    )


def trust_exact_principal(principal_arn: AWSHelperFn | str) -> Policy:
    """Trust exactly one principal ARN (a deployer role or user), never a whole account."""
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("AWS", [principal_arn]),
                Action=[AssumeRole],
            )
        ],
    )


def environment_key_alias() -> Sub:
    """`alias/tapstack-{env}`: the alias the kms stack gives the environment key."""
    return Sub(f"alias/{PROJECT}-${{{ENVIRONMENT_PARAMETER}}}")
