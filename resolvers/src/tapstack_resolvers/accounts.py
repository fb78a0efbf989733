"""The accounts map convention: environment name -> 12-digit account id, in config/config.yaml.

Roles follow `{role}-{environment}` in the environment's account, so a role ARN is derived from
the map and never typed by hand.
"""

import re
from collections.abc import Mapping

ACCOUNT_ID = re.compile(r"^\d{12}$")


class AccountLookupError(ValueError):
    """The accounts map lacks the environment or holds a malformed account id."""


def account_id(accounts: Mapping[str, object] | None, environment: str) -> str:
    """The account id of `environment`, checked to be 12 digits."""
    if not isinstance(accounts, Mapping) or not accounts:
        raise AccountLookupError("the stack group config has no `accounts` map")
    if environment not in accounts:
        known = ", ".join(sorted(accounts))
        raise AccountLookupError(
            f"environment {environment!r} is not in the accounts map (known: {known})"
        )
    value = str(accounts[environment])
    if not ACCOUNT_ID.match(value):
        raise AccountLookupError(
            f"accounts.{environment} = {value!r} is not a 12-digit AWS account id"
        )
    return value


def role_arn(
    accounts: Mapping[str, object] | None, environment: str, role: str, partition: str = "aws"
) -> str:
    """`arn:{partition}:iam::{account}:role/{role}-{environment}`."""
    return f"arn:{partition}:iam::{account_id(accounts, environment)}:role/{role}-{environment}"
