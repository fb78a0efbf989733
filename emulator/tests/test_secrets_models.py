"""AWS::SecretsManager::Secret (generated, KMS) and RotationSchedule."""

import json

import pytest
from botocore.exceptions import ClientError
from stack_helpers import unique


def template(name: str, length: int, days: int | None) -> dict:
    resources = {
        "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "secrets"}},
        "Secret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Name": name,
                "Description": "migrator user",
                "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
                "GenerateSecretString": {
                    "SecretStringTemplate": json.dumps({"username": "migrator"}),
                    "GenerateStringKey": "password",
                    "PasswordLength": length,
                    "ExcludeCharacters": "\"@/\\'",
                },
            },
        },
    }
    if days is not None:
        resources["Rotation"] = {
            "Type": "AWS::SecretsManager::RotationSchedule",
            "Properties": {
                "SecretId": {"Ref": "Secret"},
                "RotationLambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:rotate",
                "RotationRules": {"ScheduleExpression": f"rate({days} days)"},
            },
        }
    return {"Resources": resources, "Outputs": {"Arn": {"Value": {"Ref": "Secret"}}}}


def test_generated_secret_with_rotation(stacks, client):
    name = unique("tapstack/dev/migrator")
    stack = stacks.create(template(name, 24, 30))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    arn = stacks.outputs(stack["StackName"])["Arn"]
    secrets = client("secretsmanager")
    value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    assert value["username"] == "migrator"
    assert len(value["password"]) == 24
    assert not set(value["password"]) & set("\"@/\\'")
    described = secrets.describe_secret(SecretId=arn)
    assert (described["Name"], described["Description"]) == (name, "migrator user")
    assert described["KmsKeyId"].startswith("arn:aws:kms:")
    assert described["RotationEnabled"] is True
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert described["RotationLambdaARN"].endswith(":function:rotate")

    # a changed generator makes a new value; removing the schedule ends rotation
    updated = stacks.update(stack["StackName"], template(name, 40, None))
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    assert len(value["password"]) == 40
    assert secrets.describe_secret(SecretId=arn)["RotationEnabled"] is False

    assert stacks.delete(stack["StackName"]) == "DELETE_COMPLETE"
    with pytest.raises(ClientError, match="ResourceNotFound"):
        secrets.describe_secret(SecretId=arn)
