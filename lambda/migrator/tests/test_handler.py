"""The Custom::DatabaseMigration handler end to end: event in, CloudFormation response out.

S3 and Secrets Manager are botocore Stubbers on the handler's own module-scope clients (their
expected parameters check what is asked for); the database is the real MariaDB.
"""

import copy
import dataclasses
import hashlib
import importlib
import io
import json
import zipfile
from pathlib import Path

import pymysql
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

pytestmark = pytest.mark.mariadb

EVENTS = Path(__file__).parent / "events"
REPO_MIGRATIONS = Path(__file__).parents[3] / "migrations"
LATEST = max(int(path.name[1:5]) for path in REPO_MIGRATIONS.glob("V*.sql"))
NEXT_FILE = f"V{LATEST + 1:04d}__add_refund_reason.sql"
SUCCESS, FAILED = "SUCCESS", "FAILED"


def bundle(files: dict[str, bytes]) -> tuple[str, bytes]:
    """A migrations zip and its content-addressed key."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    data = buffer.getvalue()
    return f"migrations/{hashlib.sha256(data).hexdigest()}.zip", data


def repo_bundle() -> tuple[str, bytes]:
    return bundle({path.name: path.read_bytes() for path in REPO_MIGRATIONS.glob("*.sql")})


@dataclasses.dataclass
class Harness:
    """The handler module with stubbed clients, and the responses it sent."""

    module: object
    s3: Stubber
    secrets: Stubber
    responses: list[dict]
    properties: dict
    context: object

    def event(self, kind: str, key: str, **overrides: object) -> dict:
        event = json.loads((EVENTS / f"{kind}.json").read_text())
        event["ResourceProperties"].update(self.properties, MigrationsKey=key, **overrides)
        if "PhysicalResourceId" in event:
            event["PhysicalResourceId"] = self.physical_id
        return event

    @property
    def physical_id(self) -> str:
        return f"{self.properties['DatabaseEndpoint']}/{self.properties['DatabaseName']}"

    def expect_secret(self, arn: str, username: str, password: str) -> None:
        self.secrets.add_response(
            "get_secret_value",
            {
                "ARN": arn,
                "Name": arn.rsplit(":", 1)[1],
                "SecretString": json.dumps({"username": username, "password": password}),
            },
            {"SecretId": arn},
        )

    def expect_bundle(self, key: str, data: bytes) -> None:
        self.s3.add_response(
            "get_object",
            {"Body": StreamingBody(io.BytesIO(data), len(data)), "ContentLength": len(data)},
            {"Bucket": self.properties["MigrationsBucket"], "Key": key},
        )

    def invoke(self, event: dict) -> dict:
        with self.s3, self.secrets:
            self.module.handler(event, self.context)
            self.s3.assert_no_pending_responses()
            self.secrets.assert_no_pending_responses()
        return self.responses[-1]


@pytest.fixture
def harness(monkeypatch, mariadb, database, user_names, lambda_context, cfn_responses) -> Harness:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("DATABASE_CA_BUNDLE", "")  # the local server speaks plain TCP
    module = importlib.reload(importlib.import_module("tapstack_migrator.handler"))
    # crhelper PUTs its response to the pre-signed ResponseURL; record it instead.
    responses = cfn_responses(module.helper)
    template = json.loads((EVENTS / "create.json").read_text())["ResourceProperties"]
    properties = {
        "MigrationsBucket": template["MigrationsBucket"],
        "DatabaseEndpoint": mariadb.host,
        "DatabasePort": str(mariadb.port),
        "DatabaseName": database,
    }
    return Harness(
        module,
        Stubber(module.s3),
        Stubber(module.secrets.client),
        responses,
        properties,
        lambda_context,
    )


def expect_deploy(harness: Harness, mariadb, users: list[str], key: str, data: bytes) -> None:
    """The calls one Create/Update makes, in order: master, migrator, bundle, sync writer,
    validator."""
    properties = json.loads((EVENTS / "create.json").read_text())["ResourceProperties"]
    harness.expect_secret(properties["MasterSecretArn"], mariadb.user, mariadb.password)
    harness.expect_secret(properties["MigratorSecretArn"], users[0], "migrator-secret")
    harness.expect_bundle(key, data)
    harness.expect_secret(properties["SyncSecretArn"], users[1], "writer-secret")
    harness.expect_secret(properties["ValidatorSecretArn"], users[2], "validator-secret")


def rows(
    mariadb,
    database: str,
    sql: str,
    user: str | None = None,
    password: str = "",
    *,
    commit: bool = False,
) -> list:
    connection = pymysql.connect(
        host=mariadb.host,
        port=mariadb.port,
        user=user or mariadb.user,
        password=password if user else mariadb.password,
        database=database,
        autocommit=commit,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        connection.close()


def test_create_applies_migrations_as_the_migrator_and_grants_the_sync_writer(
    harness, mariadb, database, user_names
):
    # GIVEN the project's migrations as a bundle, and the three secrets
    key, data = repo_bundle()
    expect_deploy(harness, mariadb, user_names, key, data)
    # WHEN CloudFormation sends Create
    response = harness.invoke(harness.event("create", key))
    # THEN it succeeds with a stable physical id and the schema version
    assert response["Status"] == SUCCESS, response["Reason"]
    assert response["PhysicalResourceId"] == harness.physical_id
    assert response["Data"] == {
        "SchemaVersion": str(LATEST),
        "AppliedMigrations": ",".join(sorted(p.name for p in REPO_MIGRATIONS.glob("*.sql"))),
        "MigrationsKey": key,
    }
    # AND the migrator user ran them, and the sync writer may write reference tables only
    applied_by = rows(mariadb, database, "SELECT DISTINCT applied_by FROM schema_history")
    assert applied_by == [(f"{user_names[0]}@%",)]
    rows(mariadb, database, "DELETE FROM fee_schedules", user_names[1], "writer-secret")
    with pytest.raises(pymysql.err.OperationalError, match="denied"):
        rows(mariadb, database, "SELECT * FROM accounts", user_names[1], "writer-secret")
    # AND the validator user may read the reference tables, nothing else
    rows(mariadb, database, "SELECT * FROM currencies", user_names[2], "validator-secret")
    for sql in ("SELECT * FROM accounts", "DELETE FROM currencies"):
        with pytest.raises(pymysql.err.OperationalError, match="denied"):
            rows(mariadb, database, sql, user_names[2], "validator-secret")


def test_create_marks_the_database_with_the_stacks_environment(
    harness, mariadb, database, user_names
):
    key, data = repo_bundle()
    expect_deploy(harness, mariadb, user_names, key, data)
    response = harness.invoke(harness.event("create", key, EnvironmentName="staging"))
    assert response["Status"] == SUCCESS, response["Reason"]
    assert rows(mariadb, database, "SELECT name FROM tapstack_environment") == [("staging",)]
    # AND the sync writer can read it (the sync's guard does, before writing anything)
    marker = rows(
        mariadb, database, "SELECT name FROM tapstack_environment", user_names[1], "writer-secret"
    )
    assert marker == [("staging",)]


def test_a_database_marked_for_another_environment_is_refused_before_any_migration(
    harness, mariadb, database, user_names
):
    # GIVEN prod's database (marked prod, nothing migrated yet)
    rows(mariadb, database, "CREATE TABLE tapstack_environment (name VARCHAR(32) PRIMARY KEY)")
    rows(mariadb, database, "INSERT INTO tapstack_environment VALUES ('prod')", commit=True)
    properties = json.loads((EVENTS / "create.json").read_text())["ResourceProperties"]
    harness.expect_secret(properties["MasterSecretArn"], mariadb.user, mariadb.password)
    harness.expect_secret(properties["MigratorSecretArn"], user_names[0], "migrator-secret")
    # WHEN the dev stack's migration runs against it
    key, _ = repo_bundle()
    response = harness.invoke(harness.event("create", key, EnvironmentName="dev"))
    # THEN it fails naming both environments, and nothing was applied or relabelled
    assert response["Status"] == FAILED
    assert "marker says prod, but this stack deploys dev" in response["Reason"]
    tables = {row[0] for row in rows(mariadb, database, "SHOW TABLES")}
    assert tables == {"tapstack_environment"}
    assert rows(mariadb, database, "SELECT name FROM tapstack_environment") == [("prod",)]


def test_update_with_the_same_bundle_is_a_no_op(harness, mariadb, user_names):
    key, data = repo_bundle()
    expect_deploy(harness, mariadb, user_names, key, data)
    harness.invoke(harness.event("create", key))
    expect_deploy(harness, mariadb, user_names, key, data)
    response = harness.invoke(harness.event("update", key))
    assert response["Status"] == SUCCESS, response["Reason"]
    assert response["PhysicalResourceId"] == harness.physical_id
    assert response["Data"]["AppliedMigrations"] == ""
    assert response["Data"]["SchemaVersion"] == str(LATEST)


def test_update_with_a_broken_file_fails_naming_file_statement_and_partial_effects(
    harness, mariadb, database, user_names
):
    files = {path.name: path.read_bytes() for path in REPO_MIGRATIONS.glob("*.sql")}
    key, data = bundle(files)
    expect_deploy(harness, mariadb, user_names, key, data)
    harness.invoke(harness.event("create", key))
    # GIVEN a new file whose second statement fails
    files[NEXT_FILE] = (
        b"ALTER TABLE transactions ADD COLUMN refund_reason VARCHAR(200) NULL;\n"
        b"ALTER TABLE transactions ADD INDEX ix_missing (no_such_column);\n"
    )
    key, data = bundle(files)
    properties = json.loads((EVENTS / "create.json").read_text())["ResourceProperties"]
    harness.expect_secret(properties["MasterSecretArn"], mariadb.user, mariadb.password)
    harness.expect_secret(properties["MigratorSecretArn"], user_names[0], "migrator-secret")
    harness.expect_bundle(key, data)
    # WHEN CloudFormation sends Update THEN it fails with a reason CloudFormation can show
    response = harness.invoke(harness.event("update", key))
    assert response["Status"] == FAILED
    assert response["Reason"].startswith(f"{NEXT_FILE} failed at statement 2/2")
    assert "statements 1-1 ran and stay committed" in response["Reason"]
    assert len(response["Reason"]) <= 256
    columns = rows(mariadb, database, "SHOW COLUMNS FROM transactions LIKE 'refund_reason'")
    assert len(columns) == 1


def test_delete_leaves_the_schema_and_calls_nothing(harness, mariadb, database, user_names):
    key, data = repo_bundle()
    expect_deploy(harness, mariadb, user_names, key, data)
    harness.invoke(harness.event("create", key))
    # WHEN CloudFormation sends Delete
    response = harness.invoke(harness.event("delete", key))
    # THEN it succeeds and the tables are still there
    assert response["Status"] == SUCCESS
    assert response["PhysicalResourceId"] == harness.physical_id
    assert len(rows(mariadb, database, "SELECT * FROM schema_history")) == LATEST


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        pytest.param({"SyncAccess": "admin"}, "SyncAccess must be one of", id="sync-access"),
        pytest.param({"DatabaseName": ""}, "DatabaseName is required", id="database"),
        pytest.param({"DatabasePort": "x"}, "DatabasePort must be a positive integer", id="port"),
        pytest.param({"SyncTables": ["ok", "no;pe"]}, "SyncTables: not plain", id="tables"),
        pytest.param({"MigratorSecretArn": None}, "MigratorSecretArn is required", id="secret"),
        pytest.param({"EnvironmentName": "Prod!"}, "EnvironmentName must be", id="environment"),
        pytest.param({"EnvironmentName": None}, "EnvironmentName is required", id="no-env"),
        pytest.param({"ValidatorTables": []}, "ValidatorTables must list", id="validator-tables"),
        pytest.param({"ValidatorSecretArn": ""}, "ValidatorSecretArn is required", id="validator"),
    ],
)
def test_bad_properties_fail_naming_the_property_before_any_call(harness, overrides, reason):
    key, _ = repo_bundle()
    response = harness.invoke(harness.event("create", key, **overrides))
    assert response["Status"] == FAILED
    assert reason in response["Reason"]


def test_bundle_whose_bytes_do_not_match_its_key_is_refused(harness, mariadb, user_names):
    key, _ = repo_bundle()
    _, other = bundle({"V0001__x.sql": b"SELECT 1;"})
    properties = json.loads((EVENTS / "create.json").read_text())["ResourceProperties"]
    harness.expect_secret(properties["MasterSecretArn"], mariadb.user, mariadb.password)
    harness.expect_secret(properties["MigratorSecretArn"], user_names[0], "migrator-secret")
    harness.expect_bundle(key, other)
    response = harness.invoke(harness.event("create", key))
    assert response["Status"] == FAILED
    assert "bundle content hash is" in response["Reason"]


def test_missing_environment_fails_every_request_with_its_name(monkeypatch, harness, cfn_responses):
    monkeypatch.delenv("DATABASE_CA_BUNDLE")
    module = importlib.reload(harness.module)
    sent = cfn_responses(module.helper)
    module.handler(copy.deepcopy(harness.event("create", repo_bundle()[0])), harness.context)
    assert sent[-1]["Status"] == FAILED
    assert "DATABASE_CA_BUNDLE" in sent[-1]["Reason"]


@pytest.mark.parametrize(
    ("tables", "named"),
    [
        pytest.param(["currencies", "transactions"], "transactions (production)", id="production"),
        pytest.param(["currencies", "audit_notes"], "audit_notes (not classified)", id="unknown"),
    ],
)
def test_an_allowlist_naming_a_non_reference_table_is_refused_and_nothing_granted(
    harness, mariadb, database, user_names, tables, named
):
    # GIVEN the project's migrations (which classify accounts/transactions as production)
    key, data = repo_bundle()
    properties = json.loads((EVENTS / "create.json").read_text())["ResourceProperties"]
    harness.expect_secret(properties["MasterSecretArn"], mariadb.user, mariadb.password)
    harness.expect_secret(properties["MigratorSecretArn"], user_names[0], "migrator-secret")
    harness.expect_bundle(key, data)
    harness.expect_secret(properties["SyncSecretArn"], user_names[1], "writer-secret")
    # (the validator's secret is never read: the deployment stops at the sync user)
    # WHEN the stack's SyncTables puts a production (or unclassified) table on the allowlist
    response = harness.invoke(harness.event("create", key, SyncTables=tables))
    # THEN the deployment fails naming the table and its class, and the sync user gets nothing
    assert response["Status"] == FAILED
    assert named in response["Reason"] and "no sync user was created" in response["Reason"]
    found = rows(mariadb, "mysql", f"SELECT User FROM mysql.user WHERE User = '{user_names[1]}'")  # noqa: S608
    assert found == []
