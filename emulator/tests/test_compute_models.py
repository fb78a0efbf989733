"""AWS::ECR::Repository, AWS::DynamoDB::Table and container-image AWS::Lambda::Function;
ECR digests of manifests and other accounts' registries."""

import json

import boto3
import pytest
from stack_helpers import service_trust, unique

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


def manifest(layer: str) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": "x", "size": 1, "digest": "sha256:" + "0" * 64},
            "layers": [{"mediaType": "x", "size": 1, "digest": "sha256:" + layer * 64}],
        }
    )


def repository_template(name: str, keep: int, empty_on_delete: bool) -> dict:
    lifecycle = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": keep,
                },
                "action": {"type": "expire"},
            }
        ]
    }
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "images"}},
            "Repository": {
                "Type": "AWS::ECR::Repository",
                "Properties": {
                    "RepositoryName": name,
                    "ImageTagMutability": "IMMUTABLE",
                    "ImageScanningConfiguration": {"ScanOnPush": True},
                    "EncryptionConfiguration": {
                        "EncryptionType": "KMS",
                        "KmsKey": {"Fn::GetAtt": ["Key", "Arn"]},
                    },
                    "LifecyclePolicy": {"LifecyclePolicyText": json.dumps(lifecycle)},
                    "RepositoryPolicyText": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": ["ecr:BatchGetImage"],
                            }
                        ],
                    },
                    "EmptyOnDelete": empty_on_delete,
                    "Tags": [{"Key": "Name", "Value": name}],
                },
            },
        },
        "Outputs": {
            "Uri": {"Value": {"Fn::GetAtt": ["Repository", "RepositoryUri"]}},
            "KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}},
        },
    }


def test_repository_shows_every_declared_property_and_updates_in_place(stacks, client):
    name = unique("validator")
    stack = stacks.create(repository_template(name, 20, True))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    ecr = client("ecr")
    (described,) = ecr.describe_repositories(repositoryNames=[name])["repositories"]
    outputs = stacks.outputs(stack["StackName"])
    assert described["repositoryUri"] == outputs["Uri"]
    assert described["imageTagMutability"] == "IMMUTABLE"
    assert described["imageScanningConfiguration"] == {"scanOnPush": True}
    assert described["encryptionConfiguration"] == {
        "encryptionType": "KMS",
        "kmsKey": outputs["KeyArn"],
    }
    policy = json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])
    assert policy["rules"][0]["selection"]["countNumber"] == 20
    statement = json.loads(ecr.get_repository_policy(repositoryName=name)["policyText"])
    assert statement["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    # WHEN the lifecycle keeps fewer images THEN the same repository has the new policy
    updated = stacks.update(stack["StackName"], repository_template(name, 5, True))
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    policy = json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])
    assert policy["rules"][0]["selection"]["countNumber"] == 5
    assert (
        ecr.describe_repositories(repositoryNames=[name])["repositories"][0]["createdAt"]
        == described["createdAt"]
    )


@pytest.mark.parametrize(
    ("empty_on_delete", "status"), [(True, "DELETE_COMPLETE"), (False, "DELETE_FAILED")]
)
def test_repository_with_images_deletes_only_with_empty_on_delete(
    stacks, client, empty_on_delete, status
):
    name = unique("validator")
    stack = stacks.create(repository_template(name, 20, empty_on_delete))
    client("ecr").put_image(repositoryName=name, imageManifest=manifest("a"), imageTag="v1")
    assert stacks.delete(stack["StackName"]) == status
    if status == "DELETE_FAILED":
        events = stacks.events(stack["StackName"])
        assert any("still contains images" in reason for _, _, reason in events), events
        assert client("ecr").describe_images(repositoryName=name)["imageDetails"]
    else:
        assert name not in [
            r["repositoryName"] for r in client("ecr").describe_repositories()["repositories"]
        ]


def test_each_manifest_has_its_own_digest_the_sha256_of_its_bytes(stacks, client):
    import hashlib

    name = unique("validator")
    stacks.create(repository_template(name, 20, True))
    ecr = client("ecr")
    first, second = manifest("a"), manifest("b")
    same_layers_other_bytes = first.replace('"x"', '"y"')
    digests = [
        ecr.put_image(repositoryName=name, imageManifest=body, imageTag=tag)["image"]["imageId"][
            "imageDigest"
        ]
        for tag, body in (("v1", first), ("v2", second), ("v3", same_layers_other_bytes))
    ]
    assert digests == [
        "sha256:" + hashlib.sha256(body.encode()).hexdigest()
        for body in (first, second, same_layers_other_bytes)
    ]
    assert len(set(digests)) == 3


def test_another_accounts_registry_answers_through_registry_id(client, endpoint):
    credentials = client("sts").assume_role(
        RoleArn="arn:aws:iam::444444444444:role/images", RoleSessionName="images"
    )["Credentials"]
    owner = boto3.client(
        "ecr",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    name = unique("shared")
    owner.create_repository(repositoryName=name)
    pushed = owner.put_image(repositoryName=name, imageManifest=manifest("c"), imageTag="v1")
    (image,) = client("ecr").describe_images(
        repositoryName=name, registryId="444444444444", imageIds=[{"imageTag": "v1"}]
    )["imageDetails"]
    assert image["imageDigest"] == pushed["image"]["imageId"]["imageDigest"]
    assert image["registryId"] == "444444444444"


def table_template(name: str, pitr: bool, ttl: str | None) -> dict:
    properties = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "session_id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "session_id", "AttributeType": "S"}],
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": pitr},
        "SSESpecification": {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
        },
    }
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "sessions"}},
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": properties},
        },
        "Outputs": {
            "Arn": {"Value": {"Fn::GetAtt": ["Table", "Arn"]}},
            "KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}},
        },
    }


def test_table_encryption_recovery_and_ttl_as_declared_and_updated(stacks, client):
    name = unique("sessions")
    stack = stacks.create(table_template(name, True, "expires_at"))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    dynamodb = client("dynamodb")
    table = dynamodb.describe_table(TableName=name)["Table"]
    outputs = stacks.outputs(stack["StackName"])
    assert table["TableArn"] == outputs["Arn"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["SSEDescription"]["SSEType"] == "KMS"
    assert table["SSEDescription"]["KMSMasterKeyArn"] == outputs["KeyArn"]

    def recovery() -> str:
        backups = dynamodb.describe_continuous_backups(TableName=name)
        return backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
            "PointInTimeRecoveryStatus"
        ]

    assert recovery() == "ENABLED"
    assert dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires_at",
    }
    dynamodb.put_item(TableName=name, Item={"session_id": {"S": "kept"}})
    # WHEN recovery and TTL are switched off THEN the same table (its items kept) shows it
    updated = stacks.update(stack["StackName"], table_template(name, False, None))
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    assert recovery() == "DISABLED"
    ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "DISABLED"
    assert dynamodb.get_item(TableName=name, Key={"session_id": {"S": "kept"}})["Item"]
    assert stacks.delete(stack["StackName"]) == "DELETE_COMPLETE"
    assert name not in dynamodb.list_tables()["TableNames"]


def function_template(image_uri: str) -> dict:
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": service_trust("lambda.amazonaws.com")},
            },
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": unique("dlq")}},
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": unique("validator"),
                    "PackageType": "Image",
                    "Code": {"ImageUri": image_uri},
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "DeadLetterConfig": {"TargetArn": {"Fn::GetAtt": ["Queue", "Arn"]}},
                },
            },
        },
        "Outputs": {
            "Name": {"Value": {"Ref": "Function"}},
            "Queue": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}},
        },
    }


def test_image_function_pins_an_existing_image_and_cannot_run_here(stacks, client):
    name = unique("validator")
    stacks.create(repository_template(name, 20, True))
    pushed = client("ecr").put_image(
        repositoryName=name, imageManifest=manifest("d"), imageTag="v1"
    )
    digest = pushed["image"]["imageId"]["imageDigest"]
    uri = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}@{digest}"
    stack = stacks.create(function_template(uri))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = stacks.outputs(stack["StackName"])
    lambdas = client("lambda")
    function = lambdas.get_function(FunctionName=outputs["Name"])
    assert function["Configuration"]["PackageType"] == "Image"
    assert function["Configuration"]["DeadLetterConfig"] == {"TargetArn": outputs["Queue"]}
    assert function["Code"]["ImageUri"] == uri
    assert function["Code"]["ResolvedImageUri"] == uri
    answer = lambdas.invoke(FunctionName=outputs["Name"], Payload=b"{}")
    assert answer["FunctionError"] == "Handled"
    error = json.loads(answer["Payload"].read())
    assert error["errorType"] == "LocalAwsCannotRunImages"


@pytest.mark.parametrize(
    "suffix",
    [
        pytest.param("@sha256:" + "e" * 64, id="unknown-digest"),
        pytest.param(":v9", id="unknown-tag"),
    ],
)
def test_image_function_with_an_absent_image_fails_as_lambda_does(stacks, client, suffix):
    name = unique("validator")
    stacks.create(repository_template(name, 20, True))
    uri = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}{suffix}"
    stack = stacks.create(function_template(uri))
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [reason for logical, _, reason in stacks.events(stack["StackName"])]
    assert any(
        f"Source image {uri} does not exist. Provide a valid source image." in r for r in reasons
    ), reasons
