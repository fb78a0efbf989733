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


def test_migration_resource_names_the_environment_for_the_marker(document):
    properties = document["Resources"]["DatabaseMigration"]["Properties"]
    assert properties["EnvironmentName"] == {"Ref": "EnvironmentName"}


def test_user_secrets_have_the_rds_shape_the_rotation_and_sync_read(document):
    template = document["Resources"]["SyncSecret"]["Properties"]["GenerateSecretString"]
    text, variables = template["SecretStringTemplate"]["Fn::Sub"]
    assert variables == {
        "User": {"Fn::If": ["IsProd", "tapstack_sync_reader", "tapstack_sync_writer"]}
    }
    for key, value in {
        "host": "${DatabaseEndpoint}",
        "port": "${DatabasePort}",
        "dbname": "${DatabaseName}",
        "username": "${User}",
    }.items():
        assert f'"{key}": ' in text and value in text, key
    # with the variables filled in, it is JSON with a numeric port
    filled = text.replace("${DatabaseEndpoint}", "db.example").replace("${DatabasePort}", "3306")
    filled = filled.replace("${DatabaseName}", "tapstack").replace("${User}", "u")
    assert json.loads(filled)["port"] == 3306


def test_each_user_secret_rotates_after_its_user_exists(document):
    resources = document["Resources"]
    for secret in ("MigratorSecret", "SyncSecret"):
        schedule = resources[f"{secret}Rotation"]
        assert schedule["Type"] == "AWS::SecretsManager::RotationSchedule"
        assert schedule["Properties"]["SecretId"] == {"Ref": secret}
        assert schedule["Properties"]["RotationLambdaARN"] == {
            "Fn::GetAtt": ["RotationFunction", "Arn"]
        }
        assert schedule["Properties"]["RotationRules"] == {"AutomaticallyAfterDays": 30}
        assert set(schedule["DependsOn"]) == {"RotationInvokePermission", "DatabaseMigration"}


def test_rotation_function_runs_in_the_vpc_with_least_privilege(document):
    resources = document["Resources"]
    function = resources["RotationFunction"]["Properties"]
    assert set(function["VpcConfig"]) == {"SubnetIds", "SecurityGroupIds"}
    assert function["Environment"]["Variables"] == {
        "DATABASE_CA_BUNDLE": "tapstack_rotation/rds-ca-bundle.pem"
    }
    role = resources["RotationFunctionRole"]["Properties"]
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    assert statements["RotatedSecrets"]["Resource"] == [
        {"Ref": "MigratorSecret"},
        {"Ref": "SyncSecret"},
    ]
    assert set(statements["RotatedSecrets"]["Action"]) == {
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
    }
    assert statements["RandomPasswords"]["Action"] == ["secretsmanager:GetRandomPassword"]
    assert statements["EnvironmentKey"]["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}
        }
    }
    # nothing in the role reaches the master secret
    assert "MasterSecretArn" not in json.dumps(role)


def test_only_secrets_manager_of_this_account_may_invoke_the_rotation(document):
    permission = document["Resources"]["RotationInvokePermission"]["Properties"]
    assert permission == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": ["RotationFunction", "Arn"]},
        "Principal": "secretsmanager.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
    }
