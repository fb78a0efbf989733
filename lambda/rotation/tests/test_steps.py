"""The four rotation steps against a real MariaDB and Secrets Manager on the local AWS."""

import json
import uuid

import pytest
from tapstack_rotation.steps import (
    EXCLUDE_CHARACTERS,
    RotationError,
    create_secret,
    finish_secret,
    set_secret,
    verify_secret,
)

pytestmark = [pytest.mark.mariadb, pytest.mark.e2e]


def rotate(user, token: str) -> None:
    for step in (create_secret, set_secret, verify_secret, finish_secret):
        step(user.rotation, user.secret_arn, token)


def test_create_stores_a_new_password_as_pending_once(user):
    token = str(uuid.uuid4())
    # WHEN createSecret runs twice (Secrets Manager retries steps)
    create_secret(user.rotation, user.secret_arn, token)
    pending = user.value("AWSPENDING", token)
    create_secret(user.rotation, user.secret_arn, token)
    # THEN one pending version holds a new, DSN-safe password and the rest of the secret
    assert user.value("AWSPENDING", token) == pending
    assert pending["password"] != user.password and len(pending["password"]) == 32
    assert not set(pending["password"]) & set(EXCLUDE_CHARACTERS)
    assert {k: v for k, v in pending.items() if k != "password"} == {
        k: v for k, v in user.secret.items() if k != "password"
    }
    assert user.stages()[token] == ["AWSPENDING"]
    # AND the database still takes the current password
    assert user.logs_in_with(user.password)


def test_set_changes_the_users_own_password_and_is_idempotent(user):
    token = str(uuid.uuid4())
    create_secret(user.rotation, user.secret_arn, token)
    new = user.value("AWSPENDING", token)["password"]
    # WHEN a SELECT-only user sets its own password, twice
    set_secret(user.rotation, user.secret_arn, token)
    set_secret(user.rotation, user.secret_arn, token)
    # THEN the database takes the new password only
    assert user.logs_in_with(new)
    assert not user.logs_in_with(user.password)


def test_verify_fails_while_the_database_has_not_got_the_pending_password(user):
    token = str(uuid.uuid4())
    create_secret(user.rotation, user.secret_arn, token)
    with pytest.raises(RotationError, match="pending password does not log in"):
        verify_secret(user.rotation, user.secret_arn, token)


def test_finish_makes_the_new_version_current_and_clears_pending(user):
    old_version = next(v for v, s in user.stages().items() if "AWSCURRENT" in s)
    token = str(uuid.uuid4())
    rotate(user, token)
    finish_secret(user.rotation, user.secret_arn, token)  # again: nothing changes
    stages = user.stages()
    assert stages[token] == ["AWSCURRENT"]
    assert stages[old_version] == ["AWSPREVIOUS"]
    assert user.logs_in_with(user.value("AWSCURRENT")["password"])


def test_two_rotations_in_a_row(user):
    passwords = set()
    for _ in range(2):
        token = str(uuid.uuid4())
        rotate(user, token)
        passwords.add(user.value("AWSCURRENT")["password"])
        assert user.logs_in_with(user.value("AWSCURRENT")["password"])
        assert not user.logs_in_with(user.value("AWSPREVIOUS")["password"])
    assert len(passwords) == 2 and user.password not in passwords


def test_set_recovers_with_the_previous_password_when_current_is_not_in_the_database(user):
    # GIVEN a rotation whose finish ran but whose password never reached the database
    # (AWSCURRENT is the new password, AWSPREVIOUS the one the database still has)
    token = str(uuid.uuid4())
    create_secret(user.rotation, user.secret_arn, token)
    finish_secret(user.rotation, user.secret_arn, token)
    assert not user.logs_in_with(user.value("AWSCURRENT")["password"])
    # WHEN the next rotation runs THEN it logs in with AWSPREVIOUS and completes
    rotate(user, str(uuid.uuid4()))
    assert user.logs_in_with(user.value("AWSCURRENT")["password"])


def test_set_refuses_a_pending_version_for_another_user(user):
    token = str(uuid.uuid4())
    user.rotation.secrets.put_secret_value(
        SecretId=user.secret_arn,
        ClientRequestToken=token,
        SecretString=json.dumps({**user.secret, "username": "root"}),
        VersionStages=["AWSPENDING"],
    )
    with pytest.raises(RotationError, match="differs from AWSCURRENT in username"):
        set_secret(user.rotation, user.secret_arn, token)
    assert user.logs_in_with(user.password)
