"""AWS::KMS::Key and AWS::KMS::Alias: policy, rotation, description, tags, update, deletion."""

import json

import pytest

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Admin",
            "Effect": "Allow",
            "Principal": {
                "AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/tapstack-deploy-dev"}
            },
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}


def key_template(alias: str, rotation: bool = True, description: str = "data at rest") -> dict:
    return {
        "Resources": {
            "Key": {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "Description": description,
                    "EnableKeyRotation": rotation,
                    "KeyPolicy": POLICY,
                    "PendingWindowInDays": 7,
                    "Tags": [{"Key": "Name", "Value": "key-dev-main"}],
                },
            },
            "Alias": {
                "Type": "AWS::KMS::Alias",
                "Properties": {"AliasName": alias, "TargetKeyId": {"Ref": "Key"}},
            },
        },
        "Outputs": {
            "KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}},
            "KeyId": {"Value": {"Ref": "Key"}},
            "Alias": {"Value": {"Ref": "Alias"}},
        },
    }


@pytest.fixture
def key(stacks, request) -> tuple[str, str, str]:
    alias = f"alias/test-{request.node.name[-20:].replace('_', '-')}"
    stack = stacks.create(key_template(alias))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    return stack["StackName"], stacks.outputs(stack["StackName"])["KeyId"], alias


def test_key_has_declared_policy_rotation_description_tags_and_alias(key, stacks, client):
    stack_name, key_id, alias = key
    kms = client("kms")
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert policy["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::123456789012:role/tapstack-deploy-dev"
    }
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert metadata["Description"] == "data at rest"
    assert stacks.outputs(stack_name)["KeyArn"] == metadata["Arn"]
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [
        {"TagKey": "Name", "TagValue": "key-dev-main"}
    ]
    aliases = {
        a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases(KeyId=key_id)["Aliases"]
    }
    assert aliases == {alias: key_id}


def test_update_changes_rotation_and_description_in_place(key, stacks, client):
    stack_name, key_id, alias = key
    stack = stacks.update(stack_name, key_template(alias, rotation=False, description="changed"))
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    kms = client("kms")
    assert stacks.outputs(stack_name)["KeyId"] == key_id
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "changed"


def test_delete_schedules_key_deletion_and_removes_alias(key, stacks, client):
    stack_name, key_id, alias = key
    assert stacks.delete(stack_name) == "DELETE_COMPLETE"
    kms = client("kms")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert alias not in {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
