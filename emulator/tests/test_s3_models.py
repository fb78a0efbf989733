"""AWS::S3::Bucket and AWS::S3::BucketPolicy: every declared property shows in the S3 API."""

import json

import pytest
from stack_helpers import unique

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"


def bucket_template(name: str, versioning: str = "Enabled", noncurrent_days: int = 30) -> dict:
    return {
        "Resources": {
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": name,
                    "VersioningConfiguration": {"Status": versioning},
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {
                                "BucketKeyEnabled": True,
                                "ServerSideEncryptionByDefault": {
                                    "SSEAlgorithm": "aws:kms",
                                    "KMSMasterKeyID": KEY_ARN,
                                },
                            }
                        ]
                    },
                    "LifecycleConfiguration": {
                        "Rules": [
                            {
                                "Id": "expire-noncurrent-versions",
                                "Status": "Enabled",
                                "NoncurrentVersionExpiration": {"NoncurrentDays": noncurrent_days},
                            },
                            {
                                "Id": "abort-incomplete-uploads",
                                "Status": "Enabled",
                                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                            },
                        ]
                    },
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                        "IgnorePublicAcls": True,
                        "RestrictPublicBuckets": True,
                    },
                    "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                    "Tags": [{"Key": "Name", "Value": name}],
                },
            },
            "Policy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "Bucket"},
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "DenyInsecureTransport",
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Resource": [
                                    {"Fn::GetAtt": ["Bucket", "Arn"]},
                                    {
                                        "Fn::Sub": [
                                            "${Arn}/*",
                                            {"Arn": {"Fn::GetAtt": ["Bucket", "Arn"]}},
                                        ]
                                    },
                                ],
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ],
                    },
                },
            },
        },
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Bucket", "Arn"]}}},
    }


@pytest.fixture
def bucket(stacks) -> tuple[str, str]:
    name = unique("bucket")
    stack = stacks.create(bucket_template(name))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    return stack["StackName"], name


def test_created_bucket_has_every_declared_property(bucket, stacks, client):
    stack_name, name = bucket
    s3 = client("s3")
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule == {
        "ApplyServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": KEY_ARN,
        },
        "BucketKeyEnabled": True,
    }
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]}
    assert rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 30
    }
    assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 7
    }
    block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    ownership = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert {"Key": "Name", "Value": name} in s3.get_bucket_tagging(Bucket=name)["TagSet"]
    (statement,) = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])["Statement"]
    assert statement["Resource"] == [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
    assert stacks.outputs(stack_name) == {"Arn": f"arn:aws:s3:::{name}"}


def test_update_changes_the_bucket_in_place(bucket, stacks, client):
    stack_name, name = bucket
    stack = stacks.update(
        stack_name, bucket_template(name, versioning="Suspended", noncurrent_days=9)
    )
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    s3 = client("s3")
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Suspended"
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]}
    assert rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 9
    }


def test_delete_removes_bucket_and_policy(bucket, stacks, client):
    stack_name, name = bucket
    assert stacks.delete(stack_name) == "DELETE_COMPLETE"
    assert name not in {b["Name"] for b in client("s3").list_buckets()["Buckets"]}


def test_deleting_a_non_empty_bucket_fails_the_stack_delete(bucket, stacks, client):
    stack_name, name = bucket
    client("s3").put_object(Bucket=name, Key="keep", Body=b"x")
    assert stacks.delete(stack_name) == "DELETE_FAILED"
    assert "not empty" in stacks.describe(stack_name)["StackStatusReason"]


def test_object_lock_applies_its_default_retention_to_new_versions(stacks, client):
    name = unique("locked")
    template = bucket_template(name)
    template["Resources"]["Bucket"]["Properties"].update(
        ObjectLockEnabled=True,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365}},
        },
    )
    stack = stacks.create(template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    s3 = client("s3")
    lock = s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
    assert lock["Rule"] == {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365}}
    version = s3.put_object(Bucket=name, Key="audit", Body=b"x")["VersionId"]
    with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=name, Key="audit", VersionId=version)
    s3.delete_object(Bucket=name, Key="audit", VersionId=version, BypassGovernanceRetention=True)
    assert stacks.delete(stack["StackName"]) == "DELETE_COMPLETE"


def test_access_logging_into_a_bucket_whose_policy_admits_the_logging_service(stacks, client):
    # The target's policy also holds the TLS-only Deny ("Principal": "*") and lists Resources.
    source, target = unique("logged"), unique("access-logs")
    template = bucket_template(source)
    template["Resources"]["Bucket"]["Properties"]["LoggingConfiguration"] = {
        "DestinationBucketName": {"Ref": "Target"},
        "LogFilePrefix": "logged/",
    }
    template["Resources"]["Bucket"]["DependsOn"] = ["TargetPolicy"]
    target_policy = json.loads(json.dumps(template["Resources"]["Policy"]))
    target_policy["Properties"]["Bucket"] = {"Ref": "Target"}
    target_arn = {"Fn::GetAtt": ["Target", "Arn"]}
    target_policy["Properties"]["PolicyDocument"]["Statement"][0]["Resource"] = [
        {"Fn::Sub": ["${Arn}/*", {"Arn": target_arn}]}
    ]
    target_policy["Properties"]["PolicyDocument"]["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": ["s3:PutObject"],
            "Resource": [{"Fn::Sub": ["${Arn}/*", {"Arn": target_arn}]}],
        }
    )
    template["Resources"]["Target"] = {
        "Type": "AWS::S3::Bucket",
        "Properties": {"BucketName": target},
    }
    template["Resources"]["TargetPolicy"] = target_policy
    stack = stacks.create(template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    logging = client("s3").get_bucket_logging(Bucket=source)["LoggingEnabled"]
    assert logging == {"TargetBucket": target, "TargetPrefix": "logged/"}
