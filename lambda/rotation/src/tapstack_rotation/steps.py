"""The four steps of single-user rotation. Secrets Manager may run a step again, so each one
first checks whether its work is already done.

createSecret  a new password, stored as the AWSPENDING version named by the request token
setSecret     the user changes its own password to the pending one (logged in with the current
              one, or the previous one if a finished rotation left the database behind)
testSecret    the pending credentials log in
finishSecret  AWSCURRENT moves to the pending version (the old one becomes AWSPREVIOUS) and
              AWSPENDING is taken off, so the next rotation starts clean
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pymysql
from aws_lambda_powertools import Logger
from pymysql.connections import Connection

from tapstack_rotation.database import parse_secret, set_own_password

logger = Logger(service="rotation", child=True)  # the handler's logger configures it

CURRENT, PENDING, PREVIOUS = "AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"
ACCESS_DENIED = 1045  # MySQL's ER_ACCESS_DENIED_ERROR
PASSWORD_LENGTH = 32
# As templates/migrations.py: characters MySQL clients and DSNs mishandle in passwords.
EXCLUDE_CHARACTERS = "\"'@/\\:;%`$&?#"
# Where a pending version may not differ from the current one: same user, same database.
IDENTITY_KEYS = ("username", "host", "port", "dbname")


class RotationError(RuntimeError):
    """A step cannot do its work; the message says why (never a password)."""


@dataclass(frozen=True)
class Rotation:
    """What the steps work with: a Secrets Manager client and a way to connect."""

    secrets: Any
    connect: Callable[[dict[str, Any]], Connection]


def create_secret(rotation: Rotation, secret_id: str, token: str) -> None:
    """Store a new password as AWSPENDING under version `token` (unless it is there)."""
    current = _secret(rotation, secret_id, stage=CURRENT)
    try:
        _secret(rotation, secret_id, stage=PENDING, version=token)
        logger.info("createSecret: version %s already holds the pending password", token)
        return
    except rotation.secrets.exceptions.ResourceNotFoundException:
        pass
    password = rotation.secrets.get_random_password(
        PasswordLength=PASSWORD_LENGTH, ExcludeCharacters=EXCLUDE_CHARACTERS
    )["RandomPassword"]
    rotation.secrets.put_secret_value(
        SecretId=secret_id,
        ClientRequestToken=token,
        SecretString=json.dumps({**current, "password": password}),
        VersionStages=[PENDING],
    )
    logger.info("createSecret: stored a new password as AWSPENDING (version %s)", token)


def set_secret(rotation: Rotation, secret_id: str, token: str) -> None:
    """Make the pending password the user's password in the database."""
    pending = _secret(rotation, secret_id, stage=PENDING, version=token)
    if _logs_in(rotation, pending):
        logger.info("setSecret: the database already accepts the pending password")
        return
    current = _secret(rotation, secret_id, stage=CURRENT)
    changed = [key for key in IDENTITY_KEYS if str(pending.get(key)) != str(current.get(key))]
    if changed:
        raise RotationError(
            f"setSecret: the pending version differs from AWSCURRENT in {', '.join(changed)}; "
            "single-user rotation changes only the password"
        )
    connection = _first_login(rotation, secret_id, current)
    try:
        set_own_password(connection, pending["password"])
    finally:
        connection.close()
    logger.info("setSecret: %s now has the pending password", pending["username"])


def verify_secret(rotation: Rotation, secret_id: str, token: str) -> None:
    """testSecret: log in with the pending credentials and run a query."""
    pending = _secret(rotation, secret_id, stage=PENDING, version=token)
    try:
        connection = rotation.connect(pending)
    except pymysql.err.MySQLError as err:
        raise RotationError(f"testSecret: the pending password does not log in: {err}") from err
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT CURRENT_USER()")
            cursor.fetchone()
    finally:
        connection.close()
    logger.info("testSecret: the pending password logs in")


def finish_secret(rotation: Rotation, secret_id: str, token: str) -> None:
    """Move AWSCURRENT to version `token` and take AWSPENDING off it."""
    stages = rotation.secrets.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
    current = next((version for version, labels in stages.items() if CURRENT in labels), None)
    if current != token:
        rotation.secrets.update_secret_version_stage(
            SecretId=secret_id,
            VersionStage=CURRENT,
            MoveToVersionId=token,
            **({"RemoveFromVersionId": current} if current else {}),
        )
        logger.info("finishSecret: version %s is AWSCURRENT (was %s)", token, current)
    if PENDING in stages.get(token, []):
        rotation.secrets.update_secret_version_stage(
            SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=token
        )


STEPS: dict[str, Callable[[Rotation, str, str], None]] = {
    "createSecret": create_secret,
    "setSecret": set_secret,
    "testSecret": verify_secret,
    "finishSecret": finish_secret,
}


def _secret(
    rotation: Rotation, secret_id: str, *, stage: str, version: str | None = None
) -> dict[str, Any]:
    arguments = {"SecretId": secret_id, "VersionStage": stage}
    if version:
        arguments["VersionId"] = version
    response = rotation.secrets.get_secret_value(**arguments)
    return parse_secret(response["SecretString"], f"the {stage} version of {secret_id}")


def _logs_in(rotation: Rotation, secret: dict[str, Any]) -> bool:
    try:
        rotation.connect(secret).close()
    except pymysql.err.OperationalError as err:
        if _access_denied(err):  # the password is not set yet
            return False
        raise
    return True


def _access_denied(err: pymysql.err.OperationalError) -> bool:
    return bool(err.args) and err.args[0] == ACCESS_DENIED


def _first_login(rotation: Rotation, secret_id: str, current: dict[str, Any]) -> Connection:
    """A connection as the user with AWSCURRENT's password, else AWSPREVIOUS's (a rotation
    whose finish ran while the database kept the old password).

    Only AWSPREVIOUS's password is used, with AWSCURRENT's connection facts: a previous version
    may predate them (a generated master secret's first version is username and password
    only; the SecretTargetAttachment's PutSecretValue added host, port and engine)."""
    try:
        return rotation.connect(current)
    except pymysql.err.OperationalError as err:
        if not _access_denied(err):
            raise
    previous = _previous_password(rotation, secret_id)
    if previous is not None:
        try:
            return rotation.connect({**current, "password": previous})
        except pymysql.err.OperationalError as err:
            if not _access_denied(err):
                raise
    raise RotationError(
        f"setSecret: neither AWSCURRENT nor AWSPREVIOUS of {secret_id} logs in, so the user "
        "cannot change its own password; set it from the master user and rotate again"
    )


def _previous_password(rotation: Rotation, secret_id: str) -> str | None:
    """AWSPREVIOUS's password, if there is such a version and it holds one."""
    try:
        response = rotation.secrets.get_secret_value(SecretId=secret_id, VersionStage=PREVIOUS)
    except rotation.secrets.exceptions.ResourceNotFoundException:
        return None
    try:
        value = json.loads(response["SecretString"])
    except (KeyError, json.JSONDecodeError):
        return None
    password = value.get("password") if isinstance(value, dict) else None
    return password if isinstance(password, str) else None
