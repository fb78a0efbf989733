"""Secrets Manager rotation function: `tapstack_rotation.handler.handler`.

Secrets Manager calls it four times per rotation (Step createSecret, setSecret, testSecret,
finishSecret) with the secret and the new version's ClientRequestToken. Environment:
DATABASE_CA_BUNDLE, the RDS CA bundle in this package relative to the package root (Lambda's
working directory), e.g. `tapstack_db/rds-ca-bundle.pem`; empty means no TLS (local
servers only).
"""

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from tapstack_rotation.database import connector
from tapstack_rotation.steps import CURRENT, PENDING, STEPS, Rotation, RotationError

logger = Logger(service="rotation")
CA_BUNDLE = os.environ["DATABASE_CA_BUNDLE"] or None
secrets = boto3.client("secretsmanager")


class BadRequestError(ValueError):
    """The event is not a rotation request for a version this secret has pending."""


def parse_request(event: dict[str, Any]) -> tuple[str, str, str]:
    """(SecretId, ClientRequestToken, Step), each checked."""
    values = [event.get(key) for key in ("SecretId", "ClientRequestToken", "Step")]
    if not all(isinstance(value, str) and value for value in values):
        raise BadRequestError(
            "a rotation event needs SecretId, ClientRequestToken and Step; got keys "
            f"{sorted(event)}"
        )
    secret_id, token, step = values
    if step not in STEPS:
        raise BadRequestError(f"unknown Step {step!r}; expected one of {', '.join(STEPS)}")
    return secret_id, token, step


def version_is_pending(client: Any, secret_id: str, token: str) -> bool:
    """False when `token` is already AWSCURRENT (nothing to do); raise when it is not a
    pending version of a secret with rotation on."""
    described = client.describe_secret(SecretId=secret_id)
    if not described.get("RotationEnabled"):
        raise RotationError(f"rotation is not enabled on {secret_id}")
    stages = described.get("VersionIdsToStages", {})
    if token not in stages:
        raise RotationError(f"{secret_id} has no version {token} to rotate to")
    if CURRENT in stages[token]:
        return False
    if PENDING not in stages[token]:
        raise RotationError(f"version {token} of {secret_id} is not AWSPENDING")
    return True


@logger.inject_lambda_context
def handler(event: dict[str, Any], _context: Any) -> None:
    """Run one rotation step."""
    secret_id, token, step = parse_request(event)
    logger.append_keys(secret=secret_id, step=step, version=token)
    if not version_is_pending(secrets, secret_id, token):
        logger.info("version is already AWSCURRENT: nothing to do")
        return
    STEPS[step](Rotation(secrets, connector(CA_BUNDLE)), secret_id, token)
