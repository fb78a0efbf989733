"""The migrations template: migrator in the VPC, users' secrets, least privilege, no passwords."""

import json
import sys

import pytest
from rendered_templates import PROJECT_DIR
from tapstack_hooks.cfn_lint import lint_findings

sys.path.insert(0, str(PROJECT_DIR / "templates"))
import migrations


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(migrations.sceptre_handler({}))


def test_is_cfn_lint_clean(document):
    assert lint_findings(json.dumps(document), "us-east-1") == []


def test_migration_resource_gets_bundle_database_and_secrets(document):
    properties = document["Resources"]["DatabaseMigration"]["Properties"]
    assert document["Resources"]["DatabaseMigration"]["Type"] == "Custom::DatabaseMigration"
    assert properties["MigrationsKey"] == {"Ref": "MigrationsKey"}
    assert properties["SyncAccess"] == {"Fn::If": ["IsProd", "reader", "writer"]}
    assert properties["SyncTables"] == {"Ref": "SyncTables"}
    assert properties["MigratorSecretArn"] == {"Ref": "MigratorSecret"}


def test_users_secrets_are_generated_and_encrypted(document):
    for logical_id in ("MigratorSecret", "SyncSecret"):
        secret = document["Resources"][logical_id]["Properties"]
        assert secret["KmsKeyId"] == {"Ref": "KmsKeyArn"}
        assert secret["GenerateSecretString"]["GenerateStringKey"] == "password"
        assert "SecretString" not in secret
    assert '"MasterUserPassword"' not in json.dumps(document)


def test_migrator_runs_in_the_vpc_for_five_minutes_with_least_privilege(document):
    function = document["Resources"]["MigratorFunction"]["Properties"]
    assert function["Timeout"] == 300
    assert set(function["VpcConfig"]) == {"SubnetIds", "SecurityGroupIds"}
    role = document["Resources"]["MigratorFunctionRole"]["Properties"]
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    assert statements["MigrationBundles"]["Action"] == ["s3:GetObject"]
    assert statements["DatabaseSecrets"]["Resource"] == [
        {"Ref": "MasterSecretArn"},
        {"Ref": "MigratorSecret"},
        {"Ref": "SyncSecret"},
    ]
    assert statements["EnvironmentKey"]["Action"] == ["kms:Decrypt"]
