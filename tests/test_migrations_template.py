"""The migrations template: migrator in the VPC, users' secrets, least privilege, no passwords."""

import copy
import json
import re

import pytest
from tapstack_hooks.cfn_lint import lint_findings
from tapstack_tools.rendered_templates import PROJECT_DIR

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
        {"Ref": "ValidatorSecret"},
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
        "DATABASE_CA_BUNDLE": "tapstack_db/rds-ca-bundle.pem"
    }
    role = resources["RotationFunctionRole"]["Properties"]
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    assert statements["RotatedSecrets"]["Resource"] == [
        {"Ref": "MigratorSecret"},
        {"Ref": "SyncSecret"},
        {"Ref": "ValidatorSecret"},
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


ROTATION_ACTIONS = {
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
}


def rotation_statements(document: dict) -> dict[str, dict]:
    role = document["Resources"]["RotationFunctionRole"]["Properties"]
    return {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}


def test_prod_rotates_its_generated_master_secret_with_the_same_function(documents):
    # GIVEN prod's migrations stack as config/ renders it (master_credentials: generated)
    document = documents["prod/us-east-1/migrations"]
    resources = document["Resources"]
    # THEN the master secret has its own 30-day schedule on the one rotation function
    assert resources["MasterSecretRotation"] == {
        "Type": "AWS::SecretsManager::RotationSchedule",
        "Properties": {
            "SecretId": {"Ref": "MasterSecretArn"},
            "RotationLambdaARN": {"Fn::GetAtt": ["RotationFunction", "Arn"]},
            "RotationRules": {"AutomaticallyAfterDays": 30},
        },
        "DependsOn": ["RotationInvokePermission", "DatabaseMigration"],
    }
    functions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(functions) == 2  # migrator and rotation: no second rotation function
    schedules = [r for r in resources.values() if r["Type"].endswith("::RotationSchedule")]
    assert len(schedules) == 4
    # AND the rotation role may touch exactly the four secrets, the key only via Secrets Manager
    statements = rotation_statements(document)
    assert statements["RotatedSecrets"]["Resource"] == [
        {"Ref": "MigratorSecret"},
        {"Ref": "SyncSecret"},
        {"Ref": "ValidatorSecret"},
        {"Ref": "MasterSecretArn"},
    ]
    assert set(statements["RotatedSecrets"]["Action"]) == ROTATION_ACTIONS
    assert statements["EnvironmentKey"]["Resource"] == [{"Ref": "KmsKeyArn"}]
    assert set(statements["EnvironmentKey"]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert statements["EnvironmentKey"]["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}
        }
    }
    # AND the replica's key (eu-west-1), only to encrypt the replicated versions, only through
    # Secrets Manager in the key's own region
    replica_key = {"Ref": "SecondaryKmsKeyArn"}
    assert statements["ReplicaKey"] == {
        "Sid": "ReplicaKey",
        "Effect": "Allow",
        "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
        "Resource": [replica_key],
        "Condition": {
            "StringEquals": {
                "kms:ViaService": {
                    "Fn::Sub": [
                        "secretsmanager.${Region}.amazonaws.com",
                        {"Region": {"Fn::Select": [3, {"Fn::Split": [":", replica_key]}]}},
                    ]
                }
            }
        },
    }
    assert document["Parameters"]["SecondaryKmsKeyArn"]["AllowedPattern"].startswith("^arn:aws")
    # AND those two are all the role has beyond staging's (same statements otherwise)
    staging = copy.deepcopy(rotation_statements(documents["staging/us-east-1/migrations"]))
    staging["RotatedSecrets"]["Resource"].append({"Ref": "MasterSecretArn"})
    staging["ReplicaKey"] = statements["ReplicaKey"]
    assert statements == staging
    roles = json.dumps(
        [r for r in resources.values() if r["Type"] in ("AWS::IAM::Role", "AWS::IAM::Policy")]
    )
    assert roles.count('{"Ref": "MasterSecretArn"}') == 2  # the migrator reads, rotation rotates


@pytest.mark.parametrize("group", ["dev/us-east-1", "staging/us-east-1"])
def test_rds_managed_master_secrets_get_no_rotation_schedule(documents, group):
    # RDS rotates its own secrets and refuses a RotationSchedule on them
    document = documents[f"{group}/migrations"]
    assert "MasterSecretRotation" not in document["Resources"]
    schedules = [
        r["Properties"]["SecretId"]
        for r in document["Resources"].values()
        if r["Type"] == "AWS::SecretsManager::RotationSchedule"
    ]
    assert schedules == [
        {"Ref": "MigratorSecret"},
        {"Ref": "SyncSecret"},
        {"Ref": "ValidatorSecret"},
    ]
    assert "MasterSecretArn" not in json.dumps(document["Resources"]["RotationFunctionRole"])
    assert "ReplicaKey" not in rotation_statements(document)
    assert "SecondaryKmsKeyArn" not in document["Parameters"]


def test_only_groups_with_a_generated_master_secret_rotate_it(documents):
    rotating = sorted(
        name.removesuffix("/migrations")
        for name, document in documents.items()
        if "MasterSecretRotation" in document.get("Resources", {})
    )
    generating = sorted(
        name.removesuffix("/database")
        for name, document in documents.items()
        if "GlobalMasterSecret" in document.get("Resources", {})
    )
    assert rotating == generating == ["prod/us-east-1"]


@pytest.mark.parametrize("value", ["Generated", "yes", True, "managed"])
def test_a_bad_master_credentials_value_is_one_error_naming_the_option(value):
    with pytest.raises(Exception, match=r"sceptre_user_data\.master_credentials = ") as raised:
        migrations.sceptre_handler({"master_credentials": value})
    message = str(raised.value)
    assert message.count("sceptre_user_data.") == 1
    assert "'rds-managed' or 'generated'" in message
    assert "migrations template" in message


def test_generated_master_credentials_render_lint_clean():
    document = json.loads(migrations.sceptre_handler({"master_credentials": "generated"}))
    assert "MasterSecretRotation" in document["Resources"]
    assert lint_findings(json.dumps(document), "us-east-1") == []


def test_validator_user_selects_exactly_the_tables_the_validator_reads(documents):
    # GIVEN the tables lambda/validator's SQL names
    source = (PROJECT_DIR / "lambda/validator/src/tapstack_validator/reference_data.py").read_text()
    read = set(re.findall(r"\bFROM\s+([a-z_]+)", source))
    assert read  # the pattern still finds its queries
    for group in ("dev/us-east-1", "staging/us-east-1", "prod/us-east-1"):
        migration = documents[f"{group}/migrations"]["Resources"]["DatabaseMigration"]
        # THEN its user is granted exactly those (lambda/migrator validator_user: SELECT only)
        assert set(migration["Properties"]["ValidatorTables"]) == read
        assert migration["Properties"]["ValidatorSecretArn"] == {"Ref": "ValidatorSecret"}
    outputs = documents["dev/us-east-1/migrations"]["Outputs"]
    assert "ValidatorSecretArn" in outputs


def test_prods_validator_secret_is_replicated_to_the_secondary_region(documents):
    secret = documents["prod/us-east-1/migrations"]["Resources"]["ValidatorSecret"]["Properties"]
    assert secret["Name"] == {
        "Fn::Sub": "tapstack/${EnvironmentName}/${EnvironmentSuffix}/db/validator"
    }
    assert secret["ReplicaRegions"] == [
        {
            "KmsKeyId": {"Ref": "SecondaryKmsKeyArn"},
            "Region": {"Fn::Select": [3, {"Fn::Split": [":", {"Ref": "SecondaryKmsKeyArn"}]}]},
        }
    ]
    dev = documents["dev/us-east-1/migrations"]["Resources"]["ValidatorSecret"]["Properties"]
    assert "ReplicaRegions" not in dev
