"""Rotation of prod's generated master secret: the master user changes its own password.

The secret has no `dbname` (conftest.master has exactly its shape); the rotation runs the same
four steps as for the users' secrets, against a real MariaDB and the local Secrets Manager.
"""

import json
import re
import uuid

import pymysql
import pytest
from tapstack_rotation.database import SecretShapeError, parse_secret
from tapstack_rotation.steps import create_secret, finish_secret, set_secret, verify_secret

pytestmark = [pytest.mark.mariadb, pytest.mark.e2e]


def grants(user) -> list[str]:
    """SHOW GRANTS without the password hash (MariaDB prints it; it changes with rotation)."""
    connection = user.rotation.connect(user.value("AWSCURRENT"))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW GRANTS")
            rows = [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()
    return sorted(re.sub(r" IDENTIFIED BY PASSWORD '[^']*'", "", row) for row in rows)


def test_master_secret_rotates_and_only_the_new_password_logs_in(master):
    assert "dbname" not in master.secret
    # the bare generated value the attachment replaced is AWSPREVIOUS, without host or port
    assert set(master.value("AWSPREVIOUS")) == {"username", "password"}
    before = grants(master)
    old_version = next(v for v, s in master.stages().items() if "AWSCURRENT" in s)
    token = str(uuid.uuid4())
    # WHEN the four steps run on a secret of the master secret's shape
    for step in (create_secret, set_secret, verify_secret, finish_secret):
        step(master.rotation, master.secret_arn, token)
    # THEN the new password is AWSCURRENT and the only one the database takes
    current = master.value("AWSCURRENT")
    assert master.stages()[token] == ["AWSCURRENT"]
    assert master.stages()[old_version] == ["AWSPREVIOUS"]
    assert current["password"] != master.password
    assert master.logs_in_with(current["password"])
    assert not master.logs_in_with(master.password)
    # AND everything but the password is as the attachment wrote it, the privileges too
    assert {k: v for k, v in current.items() if k != "password"} == {
        k: v for k, v in master.secret.items() if k != "password"
    }
    assert grants(master) == before
    assert any("ALL PRIVILEGES ON *.*" in grant and "GRANT OPTION" in grant for grant in before)


def test_master_connection_opens_no_schema_and_can_still_administer(master, database):
    token = str(uuid.uuid4())
    for step in (create_secret, set_secret, verify_secret, finish_secret):
        step(master.rotation, master.secret_arn, token)
    connection = master.rotation.connect(master.value("AWSCURRENT"))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT DATABASE()")
            assert cursor.fetchone() == (None,)
            # what the migrator does with the master secret: create and grant users
            cursor.execute(f"CREATE TABLE `{database}`.probe (id INT PRIMARY KEY)")
            cursor.execute("CREATE USER 'probe_user'@'%' IDENTIFIED BY 'probe-password-1'")
            cursor.execute(f"GRANT SELECT ON `{database}`.probe TO 'probe_user'@'%'")
            cursor.execute("DROP USER 'probe_user'@'%'")
    finally:
        connection.close()


@pytest.mark.parametrize("missing", ["host", "port", "username", "password"])
def test_a_secret_without_a_connection_key_is_refused_by_name(master, missing):
    shape = {k: v for k, v in master.secret.items() if k != missing}
    with pytest.raises(SecretShapeError, match=f"the AWSCURRENT version of x lacks {missing}$"):
        parse_secret(json.dumps(shape), "the AWSCURRENT version of x")


def test_master_secret_shape_parses_without_dbname(master):
    assert parse_secret(json.dumps(master.secret), "x") == master.secret
    with pytest.raises(pymysql.err.OperationalError):
        master.rotation.connect({**master.secret, "password": "wrong"}).close()
