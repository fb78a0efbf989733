"""Fixtures of the rotation tests: a database user, its secret on the local AWS, the steps."""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pymysql
import pytest
from tapstack_rotation.database import connector
from tapstack_rotation.steps import Rotation


@dataclass
class RotatedUser:
    """A user of the local MariaDB whose password lives in a local-AWS secret."""

    name: str
    password: str
    secret_arn: str
    secret: dict
    rotation: Rotation

    def logs_in_with(self, password: str) -> bool:
        try:
            self.rotation.connect({**self.secret, "password": password}).close()
        except pymysql.err.OperationalError as err:
            if err.args[0] == 1045:
                return False
            raise
        return True

    def value(self, stage: str, version: str | None = None) -> dict:
        arguments = {"SecretId": self.secret_arn, "VersionStage": stage}
        if version:
            arguments["VersionId"] = version
        return json.loads(self.rotation.secrets.get_secret_value(**arguments)["SecretString"])

    def stages(self) -> dict[str, list[str]]:
        described = self.rotation.secrets.describe_secret(SecretId=self.secret_arn)
        return described["VersionIdsToStages"]


def admin(mariadb) -> pymysql.connections.Connection:
    return pymysql.connect(
        host=mariadb.host,
        port=mariadb.port,
        user=mariadb.user,
        password=mariadb.password,
        autocommit=True,
    )


@pytest.fixture
def user(mariadb, database, local_aws) -> Iterator[RotatedUser]:
    """A SELECT-only user on a one-table schema (as the sync reader is), and its secret in the
    RDS shape; the user and the secret are removed afterwards."""
    name = f"r{uuid.uuid4().hex[:12]}"
    with admin(mariadb).cursor() as cursor:
        cursor.execute(f"CREATE TABLE `{database}`.currencies (code CHAR(3) PRIMARY KEY)")
    grant = f"GRANT SELECT ON `{database}`.currencies TO %s@'%%'"
    shape = {"engine": "mysql", "host": mariadb.host, "port": mariadb.port, "dbname": database}
    yield from _rotated_user(mariadb, local_aws, name, grant, shape)


@pytest.fixture
def master(mariadb, local_aws) -> Iterator[RotatedUser]:
    """An admin-like user (every privilege, WITH GRANT OPTION, as Aurora's master user) and its
    secret in exactly the shape of prod's GlobalMasterSecret once the database stack's
    SecretTargetAttachment has run: the template generates `username` and `password`, the
    attachment adds `engine`, `host`, `port` and `dbClusterIdentifier` with PutSecretValue, so
    the bare generated value stays behind as AWSPREVIOUS; no `dbname`."""
    name = f"m{uuid.uuid4().hex[:12]}"
    grant = "GRANT ALL PRIVILEGES ON *.* TO %s@'%%' WITH GRANT OPTION"
    shape = {
        "engine": "mysql",
        "host": mariadb.host,
        "port": mariadb.port,
        "dbClusterIdentifier": "tapstack-aurora-prod-main",
    }
    yield from _rotated_user(mariadb, local_aws, name, grant, shape, attached=True)


def _rotated_user(
    mariadb, local_aws, name: str, grant: str, shape: dict, attached: bool = False
) -> Iterator[RotatedUser]:
    """Create `name` with `grant` and its secret (`shape` plus username and password); remove
    both afterwards. `attached`: the secret is first created with username and password only,
    then `shape` is added by PutSecretValue, as a SecretTargetAttachment does."""
    password = f"initial-{uuid.uuid4().hex}"
    connection = admin(mariadb)
    with connection.cursor() as cursor:
        cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (name, password))
        cursor.execute(grant, (name,))
    secret = {"username": name, "password": password, **shape}
    client = local_aws.client("secretsmanager")
    first = {"username": name, "password": password} if attached else secret
    arn = client.create_secret(Name=f"tapstack/test/{name}", SecretString=json.dumps(first))["ARN"]
    if attached:
        client.put_secret_value(SecretId=arn, SecretString=json.dumps(secret))
    try:
        yield RotatedUser(name, password, arn, secret, Rotation(client, connector(None)))
    finally:
        client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
        with connection.cursor() as cursor:
            cursor.execute("DROP USER IF EXISTS %s@'%%'", (name,))
        connection.close()
