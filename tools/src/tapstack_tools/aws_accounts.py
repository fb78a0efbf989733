"""boto3 sessions inside each environment's account, reached through its deploy role."""

from functools import cache

import boto3

from tapstack_tools import deployers
from tapstack_tools.deployment import GROUPS, stacks_of


@cache
def accounts() -> dict[str, str]:
    """The accounts map of config/config.yaml, as Sceptre reads it."""
    return dict(stacks_of(GROUPS[0])[0].stack_group_config["accounts"])


def account_session(environment: str, region: str = "us-east-1") -> boto3.Session:
    """A session holding the deploy role's credentials in `environment`'s account, assumed as
    that environment's deployer (the only principal its trust policy admits)."""
    role_arn = f"arn:aws:iam::{accounts()[environment]}:role/tapstack-deploy-{environment}"
    keys = deployers.credentials(environment)
    sts = boto3.client(
        "sts",
        region_name=region,
        aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
    )
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=f"tapstack-test-{environment}")[
        "Credentials"
    ]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )
