"""The users template: the users' secrets, the migrator and the rotation function, in the VPC,
least privilege, no passwords; and nothing in it that needs a running writer."""

import copy
import json
import re

import pytest
import users
import yaml
from tapstack_hooks.cfn_lint import lint_findings
from tapstack_tools.rendered_templates import PROJECT_DIR

USER_SECRETS = ("MigratorSecret", "SyncSecret", "ValidatorSecret")
ROTATION_ACTIONS = {
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
}
GROUPS = ("dev/us-east-1", "staging/us-east-1", "prod/us-east-1")


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(users.sceptre_handler({}))


def role_statements(document: dict, role: str) -> dict[str, dict]:
    properties = document["Resources"][role]["Properties"]
    return {s["Sid"]: s for s in properties["Policies"][0]["PolicyDocument"]["Statement"]}


def rotation_statements(document: dict) -> dict[str, dict]:
    return role_statements(document, "RotationFunctionRole")


def rotated_by(document: dict) -> list:
    """The secrets the rotation function's role may rotate."""
    return rotation_statements(document)["RotatedSecrets"]["Resource"]


def config(group: str, stack: str) -> dict:
    """config/{group}/{stack}.yaml, its resolver tags dropped (their arguments stay)."""
    text = (PROJECT_DIR / "config" / group / f"{stack}.yaml").read_text()
    return yaml.safe_load(re.sub(r"!\w+", "", text))


def test_is_cfn_lint_clean(document):
    assert lint_findings(json.dumps(document), "us-east-1") == []


def test_generated_master_credentials_render_lint_clean():
    document = json.loads(users.sceptre_handler({"master_credentials": "generated"}))
    assert {"Ref": "MasterSecretArn"} in rotated_by(document)
    assert lint_findings(json.dumps(document), "us-east-1") == []


@pytest.mark.parametrize("value", ["Generated", "yes", True, "managed"])
def test_a_bad_master_credentials_value_is_one_error_naming_the_option(value):
    with pytest.raises(Exception, match=r"sceptre_user_data\.master_credentials = ") as raised:
        users.sceptre_handler({"master_credentials": value})
    message = str(raised.value)
    assert message.count("sceptre_user_data.") == 1
    assert "'rds-managed' or 'generated'" in message
    assert "users template" in message


def test_users_secrets_are_generated_and_encrypted(document):
    for logical_id in USER_SECRETS:
        secret = document["Resources"][logical_id]["Properties"]
        assert secret["KmsKeyId"] == {"Ref": "KmsKeyArn"}
        assert secret["GenerateSecretString"]["GenerateStringKey"] == "password"
        assert "SecretString" not in secret
    text = json.dumps(document)
    assert '"MasterUserPassword"' not in text
    assert "NoEcho" not in text
    assert all("password" not in name.lower() for name in document["Parameters"])


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
    # the facts are the cluster stack's, as parameters of this stack
    for fact in ("DatabaseEndpoint", "DatabasePort", "DatabaseName", "MasterSecretArn"):
        assert "(cluster stack)" in document["Parameters"][fact]["Description"], fact


def test_migrator_runs_in_the_vpc_for_five_minutes_with_least_privilege(document):
    function = document["Resources"]["MigratorFunction"]["Properties"]
    assert function["Timeout"] == 300
    assert set(function["VpcConfig"]) == {"SubnetIds", "SecurityGroupIds"}
    assert function["Code"] == {"ImageUri": {"Ref": "MigratorImageUri"}}
    statements = role_statements(document, "MigratorFunctionRole")
    assert statements["MigrationBundles"]["Action"] == ["s3:GetObject"]
    assert statements["DatabaseSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert statements["DatabaseSecrets"]["Resource"] == [
        {"Ref": "MasterSecretArn"},
        {"Ref": "MigratorSecret"},
        {"Ref": "SyncSecret"},
        {"Ref": "ValidatorSecret"},
    ]
    assert statements["EnvironmentKey"]["Action"] == ["kms:Decrypt"]
    assert statements["EnvironmentKey"]["Resource"] == [{"Ref": "KmsKeyArn"}]
    # nothing else: no write anywhere, no wildcard beyond the ENI description
    assert set(statements) == {
        "OwnLogGroup",
        "VpcNetworkInterfaces",
        "DescribeNetworkInterfaces",
        "MigrationBundles",
        "DatabaseSecrets",
        "EnvironmentKey",
    }
    wildcards = [s for s in statements.values() if s["Resource"] == ["*"]]
    assert [s["Action"] for s in wildcards] == [["ec2:DescribeNetworkInterfaces"]]


def test_the_migrator_reads_only_the_migration_buckets_migrations_objects(documents):
    # GIVEN the storage stack's migration bucket, named by the convention
    storage = documents["dev/us-east-1/storage"]["Resources"]["MigrationBucket"]["Properties"]
    bucket_name = storage["BucketName"]["Fn::Sub"]
    assert bucket_name == (
        "tapstack-migrations-${EnvironmentName}-${EnvironmentSuffix}-${AWS::AccountId}-${AWS::Region}"
    )
    for group in GROUPS:
        statements = role_statements(documents[f"{group}/users"], "MigratorFunctionRole")
        # THEN the migrator may get the objects under migrations/ of that bucket, nothing else,
        # by the same name (no parameter, so no wait for the storage stack)
        assert statements["MigrationBundles"] == {
            "Sid": "MigrationBundles",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": [{"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket_name}/migrations/*"}],
        }, group
        s3 = [s for s in statements.values() if any(a.startswith("s3:") for a in s["Action"])]
        assert s3 == [statements["MigrationBundles"]], group
        assert "MigrationBucketName" not in documents[f"{group}/users"]["Parameters"]
    # AND the bundle key the migration is given is under that prefix
    migrations = documents["dev/us-east-1/migrations"]["Parameters"]["MigrationsKey"]
    assert migrations["AllowedPattern"].startswith("^migrations/")


def test_rotation_function_runs_in_the_vpc_with_least_privilege(document):
    resources = document["Resources"]
    function = resources["RotationFunction"]["Properties"]
    assert set(function["VpcConfig"]) == {"SubnetIds", "SecurityGroupIds"}
    assert function["Environment"]["Variables"] == {
        "DATABASE_CA_BUNDLE": "tapstack_db/rds-ca-bundle.pem"
    }
    assert function["Code"] == {"ImageUri": {"Ref": "RotationImageUri"}}
    role = resources["RotationFunctionRole"]["Properties"]
    statements = rotation_statements(document)
    assert statements["RotatedSecrets"]["Resource"] == [
        {"Ref": "MigratorSecret"},
        {"Ref": "SyncSecret"},
        {"Ref": "ValidatorSecret"},
    ]
    assert set(statements["RotatedSecrets"]["Action"]) == ROTATION_ACTIONS
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


def test_outputs_are_what_the_migrations_stack_takes(document):
    outputs = {name: output["Value"] for name, output in document["Outputs"].items()}
    assert outputs == {
        "MigratorSecretArn": {"Ref": "MigratorSecret"},
        "SyncSecretArn": {"Ref": "SyncSecret"},
        "ValidatorSecretArn": {"Ref": "ValidatorSecret"},
        "MigratorFunctionArn": {"Fn::GetAtt": ["MigratorFunction", "Arn"]},
        "RotationFunctionArn": {"Fn::GetAtt": ["RotationFunction", "Arn"]},
    }
    for group in GROUPS:
        parameters = config(group, "migrations")["parameters"]
        for output in outputs:
            assert parameters[output] == f"{{{{ stack_group_path }}}}/users.yaml::{output}", (
                group,
                output,
            )


def _what_needs_a_writer(document: dict) -> list[str]:
    """What runs against the database when the stack is created: custom resources (they call
    a function that connects) and rotation schedules (AWS rotates at once)."""
    return [
        f"{logical_id} ({resource['Type']})"
        for logical_id, resource in document["Resources"].items()
        if resource["Type"].startswith("Custom::")
        or resource["Type"]
        in ("AWS::CloudFormation::CustomResource", "AWS::SecretsManager::RotationSchedule")
        or "ServiceToken" in resource.get("Properties", {})
    ]


@pytest.mark.parametrize("credentials", ["rds-managed", "generated"])
def test_nothing_in_the_users_stack_needs_a_running_writer(credentials):
    # no rotation schedule and no custom resource: the stack is created beside the instances
    document = json.loads(users.sceptre_handler({"master_credentials": credentials}))
    assert _what_needs_a_writer(document) == []


def test_no_rendered_users_stack_needs_a_running_writer(documents):
    stacks = {name: d for name, d in documents.items() if name.endswith("/users")}
    assert sorted(stacks) == sorted(f"{group}/users" for group in GROUPS)
    assert {name: _what_needs_a_writer(d) for name, d in stacks.items()} == {
        name: [] for name in stacks
    }
    # and Sceptre does not make it wait for the instances (database stack)
    for group in GROUPS:
        text = (PROJECT_DIR / "config" / group / "users.yaml").read_text()
        assert "database.yaml" not in text, group
        assert "migrations.yaml" not in text, group


def test_the_check_for_what_needs_a_writer_does_find_it(document):
    broken = copy.deepcopy(document)
    broken["Resources"]["Early"] = {
        "Type": "AWS::SecretsManager::RotationSchedule",
        "Properties": {"SecretId": {"Ref": "SyncSecret"}},
    }
    broken["Resources"]["Migrate"] = {"Type": "Custom::DatabaseMigration", "Properties": {}}
    assert _what_needs_a_writer(broken) == [
        "Early (AWS::SecretsManager::RotationSchedule)",
        "Migrate (Custom::DatabaseMigration)",
    ]


def test_each_unscheduled_secret_names_the_schedule_the_migrations_stack_starts(documents):
    # The Guard exception on each user secret is true: its schedule is in the same group's
    # migrations stack, on the secret this stack exports, run by this stack's function.
    for group in GROUPS:
        resources = documents[f"{group}/users"]["Resources"]
        schedules = documents[f"{group}/migrations"]["Resources"]
        parameters = config(group, "migrations")["parameters"]
        for secret in USER_SECRETS:
            reason = resources[secret]["Metadata"]["guard"]["Reasons"][
                "SECRETSMANAGER_ROTATION_ENABLED_CHECK"
            ]
            assert f"{secret}Rotation in the migrations stack" in reason, (group, secret)
            schedule = schedules[f"{secret}Rotation"]["Properties"]
            assert schedule["SecretId"] == {"Ref": f"{secret}Arn"}
            exported = f"{{{{ stack_group_path }}}}/users.yaml::{secret}Arn"
            assert parameters[f"{secret}Arn"] == exported, (group, secret)
            assert schedule["RotationLambdaARN"] == {"Ref": "RotationFunctionArn"}
            assert schedule["RotationRules"] == {"AutomaticallyAfterDays": 30}


def test_prod_rotates_its_generated_master_secret_with_the_same_function(documents):
    # GIVEN prod's users stack as config/ renders it (master_credentials: generated)
    document = documents["prod/us-east-1/users"]
    resources = document["Resources"]
    functions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(functions) == 2  # migrator and rotation: no second rotation function
    # THEN the rotation role may touch exactly the four secrets, the key only via Secrets Manager
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
    staging = copy.deepcopy(rotation_statements(documents["staging/us-east-1/users"]))
    staging["RotatedSecrets"]["Resource"].append({"Ref": "MasterSecretArn"})
    staging["ReplicaKey"] = statements["ReplicaKey"]
    assert statements == staging
    roles = json.dumps(
        [r for r in resources.values() if r["Type"] in ("AWS::IAM::Role", "AWS::IAM::Policy")]
    )
    assert roles.count('{"Ref": "MasterSecretArn"}') == 2  # the migrator reads, rotation rotates


@pytest.mark.parametrize("group", ["dev/us-east-1", "staging/us-east-1"])
def test_rds_managed_master_secrets_are_not_this_stacks_to_rotate(documents, group):
    # RDS rotates its own secrets and refuses any other rotation of them
    document = documents[f"{group}/users"]
    assert "MasterSecretArn" not in json.dumps(document["Resources"]["RotationFunctionRole"])
    assert "ReplicaKey" not in rotation_statements(document)
    assert "SecondaryKmsKeyArn" not in document["Parameters"]


def test_only_groups_with_a_generated_master_secret_let_the_function_rotate_it(documents):
    rotating = sorted(
        name.removesuffix("/users")
        for name, document in documents.items()
        if name.endswith("/users") and {"Ref": "MasterSecretArn"} in rotated_by(document)
    )
    generating = sorted(
        name.removesuffix("/cluster")
        for name, document in documents.items()
        if "GlobalMasterSecret" in document.get("Resources", {})
    )
    assert rotating == generating == ["prod/us-east-1"]


def test_prods_validator_secret_is_replicated_to_the_secondary_region(documents):
    secret = documents["prod/us-east-1/users"]["Resources"]["ValidatorSecret"]["Properties"]
    assert secret["Name"] == {
        "Fn::Sub": "tapstack/${EnvironmentName}/${EnvironmentSuffix}/db/validator"
    }
    assert secret["ReplicaRegions"] == [
        {
            "KmsKeyId": {"Ref": "SecondaryKmsKeyArn"},
            "Region": {"Fn::Select": [3, {"Fn::Split": [":", {"Ref": "SecondaryKmsKeyArn"}]}]},
        }
    ]
    dev = documents["dev/us-east-1/users"]["Resources"]["ValidatorSecret"]["Properties"]
    assert "ReplicaRegions" not in dev
    assert "ValidatorSecretArn" in documents["dev/us-east-1/users"]["Outputs"]
