"""S3 replication copies objects and delete markers into the other region's bucket, with the
checks S3 makes of the rule's role and keys (behaviours/s3_object_replication.py)."""

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from stack_helpers import unique

ACCOUNT = "123456789012"
SOURCE_REGION, REPLICA_REGION = "us-east-1", "eu-west-1"
LOCAL_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@dataclass
class Setup:
    """A source bucket in us-east-1 replicating to a bucket in eu-west-1, each under its key."""

    source: str
    replica: str
    source_key: str
    replica_key: str
    role_arn: str
    s3: Any
    replica_s3: Any

    def put(self, key: str, **kwargs: Any) -> dict:
        return self.s3.put_object(Bucket=self.source, Key=key, Body=b"audit line", **kwargs)

    def source_head(self, key: str) -> dict:
        return self.s3.head_object(Bucket=self.source, Key=key)

    def replica_versions(self, key: str) -> dict:
        return self.replica_s3.list_object_versions(Bucket=self.replica, Prefix=key)


def regional(endpoint: str, service: str, region: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=region, **LOCAL_KEYS)


def trust(service: str = "s3.amazonaws.com") -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }


def least_privilege(setup: Setup, context: str = "bucket") -> dict:
    """The replication role's policy, as AWS documents it; `context` "bucket" uses the bucket
    ARN as KMS encryption context (right with S3 Bucket Keys), "object" the objects' ARNs."""

    def context_arn(bucket: str) -> str:
        return f"arn:aws:s3:::{bucket}" + ("/*" if context == "object" else "")

    def via(region: str, bucket: str) -> dict:
        return {
            "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": context_arn(bucket)},
        }

    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                "Resource": f"arn:aws:s3:::{setup.source}",
            },
            {
                "Effect": "Allow",
                "Action": [
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                ],
                "Resource": f"arn:aws:s3:::{setup.source}/*",
            },
            {
                "Effect": "Allow",
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                "Resource": f"arn:aws:s3:::{setup.replica}/*",
            },
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": setup.source_key,
                "Condition": via(SOURCE_REGION, setup.source),
            },
            {
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt"],
                "Resource": setup.replica_key,
                "Condition": via(REPLICA_REGION, setup.replica),
            },
        ],
    }


def encrypted_bucket(s3: Any, name: str, key_arn: str, region: str) -> None:
    location = {} if region == "us-east-1" else {"LocationConstraint": region}
    s3.create_bucket(Bucket=name, **({"CreateBucketConfiguration": location} if location else {}))
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_arn,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )


def rule(setup: Setup, **overrides: Any) -> dict:
    return {
        "ID": "to-eu-west-1",
        "Status": "Enabled",
        "Priority": 1,
        "Filter": {"Prefix": "logs/"},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
        "Destination": {
            "Bucket": f"arn:aws:s3:::{setup.replica}",
            "EncryptionConfiguration": {"ReplicaKmsKeyID": setup.replica_key},
        },
        **overrides,
    }


@pytest.fixture
def setup(endpoint: str) -> Setup:
    """Buckets, keys and a least-privilege role; no replication configuration yet."""
    s3, replica_s3 = (
        regional(endpoint, "s3", SOURCE_REGION),
        regional(endpoint, "s3", REPLICA_REGION),
    )
    source_key = regional(endpoint, "kms", SOURCE_REGION).create_key()["KeyMetadata"]["Arn"]
    replica_key = regional(endpoint, "kms", REPLICA_REGION).create_key()["KeyMetadata"]["Arn"]
    source, replica = unique("audit-source"), unique("audit-replica")
    encrypted_bucket(s3, source, source_key, SOURCE_REGION)
    encrypted_bucket(replica_s3, replica, replica_key, REPLICA_REGION)
    role = regional(endpoint, "iam", SOURCE_REGION).create_role(
        RoleName=unique("replication"), AssumeRolePolicyDocument=json.dumps(trust())
    )["Role"]
    return Setup(source, replica, source_key, replica_key, role["Arn"], s3, replica_s3)


def configure(
    endpoint: str, setup: Setup, policy: dict | None = None, **rule_overrides: Any
) -> None:
    """The role's policy (least privilege unless given) and the source's replication rule."""
    iam = regional(endpoint, "iam", SOURCE_REGION)
    iam.put_role_policy(
        RoleName=setup.role_arn.rsplit("/", 1)[1],
        PolicyName="replicate",
        PolicyDocument=json.dumps(policy or least_privilege(setup)),
    )
    setup.s3.put_bucket_replication(
        Bucket=setup.source,
        ReplicationConfiguration={
            "Role": setup.role_arn,
            "Rules": [rule(setup, **rule_overrides)],
        },
    )


def test_a_new_object_is_replicated_under_the_replica_key(endpoint, setup):
    configure(endpoint, setup)
    put = setup.put(
        "logs/2026/a.json",
        Metadata={"writer": "sync"},
        ContentType="application/json",
        Tagging="kind=audit",
    )
    assert setup.source_head("logs/2026/a.json")["ReplicationStatus"] == "COMPLETED"
    replica = setup.replica_s3.get_object(Bucket=setup.replica, Key="logs/2026/a.json")
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["Body"].read() == b"audit line"
    assert replica["VersionId"] == put["VersionId"]
    assert replica["ServerSideEncryption"] == "aws:kms"
    assert replica["SSEKMSKeyId"] == setup.replica_key
    assert replica["Metadata"] == {"writer": "sync"}
    assert replica["ContentType"] == "application/json"
    tags = setup.replica_s3.get_object_tagging(Bucket=setup.replica, Key="logs/2026/a.json")
    assert tags["TagSet"] == [{"Key": "kind", "Value": "audit"}]


def test_a_key_outside_the_rules_prefix_is_not_replicated(endpoint, setup):
    configure(endpoint, setup)
    setup.put("other/b.json")
    assert "ReplicationStatus" not in setup.source_head("other/b.json")
    assert "Versions" not in setup.replica_versions("other/b.json")


def test_an_object_put_before_the_configuration_is_not_replicated(endpoint, setup):
    setup.put("logs/early.json")
    configure(endpoint, setup)
    assert "ReplicationStatus" not in setup.source_head("logs/early.json")
    assert "Versions" not in setup.replica_versions("logs/early.json")


def test_a_delete_marker_is_replicated_when_the_rule_says_so(endpoint, setup):
    configure(endpoint, setup)
    setup.put("logs/c.json")
    marker = setup.s3.delete_object(Bucket=setup.source, Key="logs/c.json")
    versions = setup.replica_versions("logs/c.json")
    assert [m["VersionId"] for m in versions["DeleteMarkers"]] == [marker["VersionId"]]
    with pytest.raises(setup.replica_s3.exceptions.NoSuchKey):
        setup.replica_s3.get_object(Bucket=setup.replica, Key="logs/c.json")


def test_a_delete_marker_is_not_replicated_when_the_rule_disables_it(endpoint, setup):
    configure(endpoint, setup, DeleteMarkerReplication={"Status": "Disabled"})
    setup.put("logs/d.json")
    setup.s3.delete_object(Bucket=setup.source, Key="logs/d.json")
    versions = setup.replica_versions("logs/d.json")
    assert "DeleteMarkers" not in versions
    assert len(versions["Versions"]) == 1
    assert setup.replica_s3.get_object(Bucket=setup.replica, Key="logs/d.json")["Body"].read()


def test_sse_kms_objects_need_the_rule_to_select_them(endpoint, setup):
    configure(endpoint, setup, SourceSelectionCriteria={})
    setup.put("logs/e.json")
    assert "ReplicationStatus" not in setup.source_head("logs/e.json")
    assert "Versions" not in setup.replica_versions("logs/e.json")


def test_replication_needs_a_versioned_source(endpoint, setup):
    unversioned = unique("unversioned")
    setup.s3.create_bucket(Bucket=unversioned)
    with pytest.raises(setup.s3.exceptions.ClientError, match="Versioning must be 'Enabled'"):
        setup.s3.put_bucket_replication(
            Bucket=unversioned,
            ReplicationConfiguration={"Role": setup.role_arn, "Rules": [rule(setup)]},
        )


def test_a_suspended_source_replicates_nothing(endpoint, setup):
    configure(endpoint, setup)
    setup.s3.put_bucket_versioning(
        Bucket=setup.source, VersioningConfiguration={"Status": "Suspended"}
    )
    setup.put("logs/f.json")
    assert "ReplicationStatus" not in setup.source_head("logs/f.json")
    assert "Versions" not in setup.replica_versions("logs/f.json")


def _without_statement(policy: dict, action: str) -> dict:
    statements = [s for s in policy["Statement"] if action not in json.dumps(s["Action"])]
    return {**policy, "Statement": statements}


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda s: least_privilege(s, context="object"), id="object-arn-context"),
        pytest.param(
            lambda s: _without_statement(least_privilege(s), "s3:ReplicateObject"),
            id="no-replicate-object",
        ),
        pytest.param(
            lambda s: _without_statement(least_privilege(s), "s3:GetObjectVersionForReplication"),
            id="no-read-source-version",
        ),
        pytest.param(
            lambda s: {
                **least_privilege(s),
                "Statement": least_privilege(s)["Statement"][:3],
            },
            id="no-kms",
        ),
    ],
)
def test_a_role_policy_that_does_not_allow_replication_fails_it(endpoint, setup, damage):
    configure(endpoint, setup, policy=damage(setup))
    setup.put("logs/g.json")
    assert setup.source_head("logs/g.json")["ReplicationStatus"] == "FAILED"
    assert "Versions" not in setup.replica_versions("logs/g.json")


def test_a_role_that_does_not_trust_s3_fails_replication(endpoint, setup):
    configure(endpoint, setup)
    iam = regional(endpoint, "iam", SOURCE_REGION)
    iam.update_assume_role_policy(
        RoleName=setup.role_arn.rsplit("/", 1)[1],
        PolicyDocument=json.dumps(trust("lambda.amazonaws.com")),
    )
    setup.put("logs/h.json")
    assert setup.source_head("logs/h.json")["ReplicationStatus"] == "FAILED"


def test_a_key_policy_deny_fails_replication(endpoint, setup):
    configure(endpoint, setup)
    kms = regional(endpoint, "kms", REPLICA_REGION)
    policy = json.loads(kms.get_key_policy(KeyId=setup.replica_key, PolicyName="default")["Policy"])
    policy["Statement"].append(
        {
            "Effect": "Deny",
            "Principal": {"AWS": setup.role_arn},
            "Action": "kms:Encrypt",
            "Resource": "*",
        }
    )
    kms.put_key_policy(KeyId=setup.replica_key, PolicyName="default", Policy=json.dumps(policy))
    setup.put("logs/i.json")
    assert setup.source_head("logs/i.json")["ReplicationStatus"] == "FAILED"
    assert "Versions" not in setup.replica_versions("logs/i.json")
