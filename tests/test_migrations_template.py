"""The migrations template: the migration custom resource on the users stack's migrator, and the
secrets' rotation schedules once the users exist; nothing else (the secrets and functions are
the users stack's, test_users_template.py)."""

import json
import re

import pytest
import yaml
from tapstack_hooks.cfn_lint import lint_findings
from tapstack_tools.rendered_templates import PROJECT_DIR

import migrations

USER_SECRETS = ("MigratorSecret", "SyncSecret", "ValidatorSecret")
GROUPS = ("dev/us-east-1", "staging/us-east-1", "prod/us-east-1")


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(migrations.sceptre_handler({}))


def config(group: str) -> dict:
    """config/{group}/migrations.yaml, its resolver tags dropped (their arguments stay)."""
    text = (PROJECT_DIR / "config" / group / "migrations.yaml").read_text()
    return yaml.safe_load(re.sub(r"!\w+", "", text))


def schedules(document: dict) -> dict[str, dict]:
    return {
        logical_id: resource
        for logical_id, resource in document["Resources"].items()
        if resource["Type"] == "AWS::SecretsManager::RotationSchedule"
    }


def test_is_cfn_lint_clean(document):
    assert lint_findings(json.dumps(document), "us-east-1") == []


def _unused_parameters(document: dict) -> set[str]:
    used = json.dumps({k: v for k, v in document.items() if k != "Parameters"})
    return {
        name
        for name in document["Parameters"]
        if json.dumps({"Ref": name}) not in used and f"${{{name}}}" not in used
    }


def test_only_the_unused_environment_suffix_is_left_to_cfn_lint_w2001(document):
    # The stack takes its group's EnvironmentSuffix but names nothing: W2001 (unused
    # parameter) is ignored for the whole template, so no other parameter may be unused.
    assert document["Metadata"] == {"cfn-lint": {"config": {"ignore_checks": ["W2001"]}}}
    assert _unused_parameters(document) == {"EnvironmentSuffix"}
    # and the reason is written beside the ignore
    lines = (PROJECT_DIR / "templates" / "migrations.py").read_text().splitlines()
    (at,) = [i for i, line in enumerate(lines) if '"ignore_checks": ["W2001"]' in line]
    comment = [line.strip() for line in lines[at - 2 : at]]
    assert all(line.startswith("#") for line in comment), comment
    assert "EnvironmentSuffix" in " ".join(comment) and "W2001" in " ".join(comment)


def test_migration_resource_gets_bundle_database_and_secrets(document):
    migration = document["Resources"]["DatabaseMigration"]
    properties = migration["Properties"]
    assert migration["Type"] == "Custom::DatabaseMigration"
    # the users stack's migrator, by parameter (the function is not this stack's)
    assert properties["ServiceToken"] == {"Ref": "MigratorFunctionArn"}
    assert properties["MigrationsBucket"] == {"Ref": "MigrationBucketName"}
    assert properties["MigrationsKey"] == {"Ref": "MigrationsKey"}
    assert properties["SyncAccess"] == {"Fn::If": ["IsProd", "reader", "writer"]}
    assert properties["SyncTables"] == {"Ref": "SyncTables"}
    for secret in USER_SECRETS:
        assert properties[f"{secret}Arn"] == {"Ref": f"{secret}Arn"}
    for fact in ("DatabaseEndpoint", "DatabasePort", "DatabaseName", "MasterSecretArn"):
        assert properties[fact] == {"Ref": fact}
    assert '"MasterUserPassword"' not in json.dumps(document)
    assert "NoEcho" not in json.dumps(document)
    assert all("password" not in name.lower() for name in document["Parameters"])


def test_migration_resource_names_the_environment_for_the_marker(document):
    properties = document["Resources"]["DatabaseMigration"]["Properties"]
    assert properties["EnvironmentName"] == {"Ref": "EnvironmentName"}


def test_the_migration_and_its_schedules_are_all_this_stack_holds(document):
    # the secrets, the functions and their roles are the users stack's
    kinds = {r["Type"] for r in document["Resources"].values()}
    assert kinds == {"Custom::DatabaseMigration", "AWS::SecretsManager::RotationSchedule"}
    assert set(document["Outputs"]) == {"SchemaVersion"}
    assert document["Outputs"]["SchemaVersion"]["Value"] == {
        "Fn::GetAtt": ["DatabaseMigration", "SchemaVersion"]
    }
    patterns = {name: p.get("AllowedPattern", "") for name, p in document["Parameters"].items()}
    for secret in USER_SECRETS:
        assert patterns[f"{secret}Arn"].startswith("^arn:aws[a-z-]*:secretsmanager:")
    for function in ("MigratorFunctionArn", "RotationFunctionArn"):
        assert patterns[function].startswith("^arn:aws[a-z-]*:lambda:")
        assert ":function:" in patterns[function]


def test_each_user_secret_rotates_after_its_user_exists(document):
    resources = document["Resources"]
    for secret in USER_SECRETS:
        schedule = resources[f"{secret}Rotation"]
        assert schedule["Type"] == "AWS::SecretsManager::RotationSchedule"
        assert schedule["Properties"]["SecretId"] == {"Ref": f"{secret}Arn"}
        # the users stack's function; Secrets Manager's permission to run it is in that stack,
        # which this one waits for (its outputs are this stack's parameters)
        assert schedule["Properties"]["RotationLambdaARN"] == {"Ref": "RotationFunctionArn"}
        assert schedule["Properties"]["RotationRules"] == {"AutomaticallyAfterDays": 30}
        assert schedule["DependsOn"] == ["DatabaseMigration"]


@pytest.mark.parametrize("group", GROUPS)
def test_the_schedules_start_after_the_users_stack_and_the_instances(group):
    # AWS rotates at once: the function and its invoke permission (users stack) and the writer
    # (database stack's instances) exist before any schedule is created
    stack = config(group)
    users = "{{ stack_group_path }}/users.yaml::"
    assert stack["parameters"]["RotationFunctionArn"] == f"{users}RotationFunctionArn"
    assert stack["parameters"]["MigratorFunctionArn"] == f"{users}MigratorFunctionArn"
    for secret in USER_SECRETS:
        assert stack["parameters"][f"{secret}Arn"] == f"{users}{secret}Arn"
    assert "{{ stack_group_path }}/database.yaml" in stack["dependencies"]


def test_prod_rotates_its_generated_master_secret_with_the_same_function(documents):
    # GIVEN prod's migrations stack as config/ renders it (master_credentials: generated)
    document = documents["prod/us-east-1/migrations"]
    resources = document["Resources"]
    # THEN the master secret has its own 30-day schedule on the one rotation function, once
    # the migration has run
    assert resources["MasterSecretRotation"] == {
        "Type": "AWS::SecretsManager::RotationSchedule",
        "Properties": {
            "SecretId": {"Ref": "MasterSecretArn"},
            "RotationLambdaARN": {"Ref": "RotationFunctionArn"},
            "RotationRules": {"AutomaticallyAfterDays": 30},
        },
        "DependsOn": ["DatabaseMigration"],
    }
    assert len(schedules(document)) == 4
    functions = {s["Properties"]["RotationLambdaARN"]["Ref"] for s in schedules(document).values()}
    assert functions == {"RotationFunctionArn"}  # no second rotation function
    assert not [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]


@pytest.mark.parametrize("group", ["dev/us-east-1", "staging/us-east-1"])
def test_rds_managed_master_secrets_get_no_rotation_schedule(documents, group):
    # RDS rotates its own secrets and refuses a RotationSchedule on them
    document = documents[f"{group}/migrations"]
    assert "MasterSecretRotation" not in document["Resources"]
    assert [s["Properties"]["SecretId"] for s in schedules(document).values()] == [
        {"Ref": "MigratorSecretArn"},
        {"Ref": "SyncSecretArn"},
        {"Ref": "ValidatorSecretArn"},
    ]


def test_only_groups_with_a_generated_master_secret_rotate_it(documents):
    rotating = sorted(
        name.removesuffix("/migrations")
        for name, document in documents.items()
        if "MasterSecretRotation" in document.get("Resources", {})
    )
    generating = sorted(
        name.removesuffix("/cluster")
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
    for group in GROUPS:
        migration = documents[f"{group}/migrations"]["Resources"]["DatabaseMigration"]
        # THEN its user is granted exactly those (lambda/migrator validator_user: SELECT only)
        assert set(migration["Properties"]["ValidatorTables"]) == read
        assert migration["Properties"]["ValidatorSecretArn"] == {"Ref": "ValidatorSecretArn"}
