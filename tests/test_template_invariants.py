"""Project invariants every rendered template must keep (ARCHITECTURE.md sections 2-4)."""

import json

import pytest

STATEFUL_TYPES = {
    "AWS::KMS::Key",
    "AWS::S3::Bucket",
    "AWS::Logs::LogGroup",
    "AWS::DynamoDB::Table",
    "AWS::ECR::Repository",
    "AWS::SQS::Queue",
}


def resources(document: dict, type_name: str) -> dict[str, dict]:
    return {
        name: resource
        for name, resource in document["Resources"].items()
        if resource["Type"] == type_name
    }


def stacks_named(documents: dict, stack: str) -> list[tuple[str, dict]]:
    found = [(name, doc) for name, doc in documents.items() if name.endswith(f"/{stack}")]
    assert found, f"no {stack} stack rendered"
    return found


# Project policy (nothing retained, parameters constrained, export names, no internet path,
# customer-managed keys, TLS-only resource policies, exact principals) is checked on every
# rendered template by the cfn-lint rules in policy_rules/ (test_templates_lint.py, make lint).
# What follows are the invariants those rules do not state.


def test_stateful_resources_say_delete_explicitly(documents):
    # E9001 refuses Retain; this asks stateful resources to state Delete rather than default.
    for name, document in documents.items():
        for logical_id, resource in document["Resources"].items():
            if resource["Type"] in STATEFUL_TYPES:
                assert resource.get("DeletionPolicy") == "Delete", f"{name}:{logical_id}"


def test_key_rotates_and_its_policy_names_exact_principals(documents):
    for name, document in stacks_named(documents, "kms"):
        (key,) = resources(document, "AWS::KMS::Key").values()
        assert key["Properties"]["EnableKeyRotation"] is True
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            # stricter than E9007: no wildcard principal in the key policy, condition or not
            principal = statement["Principal"]
            assert principal != "*", f"{name}: {statement['Sid']}"
            for value in principal.values():
                assert value not in ("*", ["*"]), f"{name}: {statement['Sid']} uses a wildcard"
        (alias,) = resources(document, "AWS::KMS::Alias").values()
        assert alias["Properties"]["AliasName"]["Fn::Sub"][0] == "alias/tapstack-${Env}"


def test_network_is_private_only(documents):
    for name, document in stacks_named(documents, "network"):
        for logical_id, route in resources(document, "AWS::EC2::Route").items():
            # The only routes beyond the VPC: back to prod's sync subnets over the peering
            # connection, and only where the stack accepts it (tapstack_tools.reachability proves
            # where).
            assert route["Condition"].startswith("AcceptsPeering"), f"{name}: {logical_id}"
            assert set(route["Properties"]) == {
                "RouteTableId",
                "DestinationCidrBlock",
                "VpcPeeringConnectionId",
            }, f"{name}: {logical_id} routes beyond the VPC"
        for subnet in resources(document, "AWS::EC2::Subnet").values():
            assert "Fn::Cidr" in json.dumps(subnet["Properties"]["CidrBlock"]), (
                "subnet CIDRs are computed from the VPC CIDR, never typed by hand"
            )


def test_every_vpc_has_every_endpoint_with_private_dns(documents):
    # the interface endpoints are the endpoints stack's, the S3 gateway the network stack's
    expected = {"secretsmanager", "ssm", "sts", "kms", "logs", "ec2"}
    for name, document in stacks_named(documents, "endpoints"):
        endpoints = resources(document, "AWS::EC2::VPCEndpoint").values()
        assert {e["Properties"]["VpcEndpointType"] for e in endpoints} == {"Interface"}, name
        interface = {e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1] for e in endpoints}
        assert interface == expected, name
        assert all(e["Properties"]["PrivateDnsEnabled"] is True for e in endpoints), name
    for name, document in stacks_named(documents, "network"):
        endpoints = resources(document, "AWS::EC2::VPCEndpoint").values()
        assert [
            (e["Properties"]["VpcEndpointType"], e["Properties"]["ServiceName"]["Fn::Sub"])
            for e in endpoints
        ] == [("Gateway", "com.amazonaws.${AWS::Region}.s3")], name


def test_only_mysql_and_https_are_opened_between_tiers(documents):
    for name, document in stacks_named(documents, "network"):
        for type_name in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            for logical_id, rule in resources(document, type_name).items():
                ports = (rule["Properties"]["FromPort"], rule["Properties"]["ToPort"])
                assert ports in {(443, 443), (3306, 3306)}, f"{name}:{logical_id} {ports}"


@pytest.mark.parametrize("bucket_id", ["MigrationBucket", "AuditLogBucket"])
def test_buckets_are_versioned_encrypted_private_and_tls_only(documents, bucket_id):
    for _name, document in stacks_named(documents, "storage"):
        bucket = document["Resources"][bucket_id]["Properties"]
        assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
        (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": {"Ref": "KmsKeyArn"},
        }
        assert all(bucket["PublicAccessBlockConfiguration"].values())
        assert len(bucket["PublicAccessBlockConfiguration"]) == 4
        rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
        noncurrent = rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"]
        if bucket_id == "AuditLogBucket":  # a year, under Object Lock (governance) for that year
            assert noncurrent == {"NoncurrentDays": 365}
            assert bucket["ObjectLockEnabled"] is True
            assert bucket["ObjectLockConfiguration"] == {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365}},
            }
        else:
            assert noncurrent == {"NoncurrentDays": {"Ref": "NoncurrentVersionExpirationDays"}}
            assert "ObjectLockConfiguration" not in bucket
        assert "AbortIncompleteMultipartUpload" in rules["abort-incomplete-uploads"]
        assert document["Parameters"]["NoncurrentVersionExpirationDays"]["Default"] == 30
        policy = document["Resources"][f"{bucket_id}Policy"]["Properties"]["PolicyDocument"]
        statements = {s["Sid"]: s for s in policy["Statement"]}
        trail = {"CloudTrailAclCheck", "CloudTrailWritesThisAccountsLogs"}  # test_audit_trail.py
        assert set(statements) - trail == {"DenyInsecureTransport", "DenyOutsideTheVpcEndpoint"}
