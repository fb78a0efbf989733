"""Project invariants every rendered template must keep (ARCHITECTURE.md sections 2-4)."""

import json

import pytest

FORBIDDEN_NETWORK_TYPES = {
    "AWS::EC2::InternetGateway",
    "AWS::EC2::EgressOnlyInternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
    "AWS::EC2::VPCGatewayAttachment",
}
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


def test_nothing_is_retained_anywhere(documents):
    for name, document in documents.items():
        for logical_id, resource in document["Resources"].items():
            for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
                assert resource.get(policy) != "Retain", f"{name}:{logical_id} {policy}"
            if resource["Type"] in STATEFUL_TYPES:
                assert resource.get("DeletionPolicy") == "Delete", f"{name}:{logical_id}"


def test_every_parameter_is_constrained(documents):
    for name, document in documents.items():
        for parameter_name, parameter in document.get("Parameters", {}).items():
            constrained = {"AllowedValues", "AllowedPattern", "MinValue"} & parameter.keys()
            constrained = constrained or parameter["Type"].startswith(("AWS::", "List<AWS::"))
            assert constrained, f"{name}: parameter {parameter_name} has no constraint"
            assert parameter.get("ConstraintDescription"), f"{name}: {parameter_name}"


def test_every_output_is_exported_as_tapstack_env_name(documents):
    for name, document in documents.items():
        for output_name, output in document.get("Outputs", {}).items():
            assert output["Export"]["Name"] == {
                "Fn::Sub": f"tapstack-${{EnvironmentName}}-{output_name}"
            }, f"{name}: {output_name}"


def test_key_rotates_and_its_policy_names_exact_principals(documents):
    for name, document in stacks_named(documents, "kms"):
        (key,) = resources(document, "AWS::KMS::Key").values()
        assert key["Properties"]["EnableKeyRotation"] is True
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            principal = statement["Principal"]
            assert principal != "*", f"{name}: {statement['Sid']}"
            for value in principal.values():
                assert value not in ("*", ["*"]), f"{name}: {statement['Sid']} uses a wildcard"
        (alias,) = resources(document, "AWS::KMS::Alias").values()
        assert alias["Properties"]["AliasName"]["Fn::Sub"][0] == "alias/tapstack-${Env}"


def test_network_is_private_only(documents):
    for name, document in stacks_named(documents, "network"):
        types = {resource["Type"] for resource in document["Resources"].values()}
        assert not types & FORBIDDEN_NETWORK_TYPES, name
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
            assert subnet["Properties"]["MapPublicIpOnLaunch"] is False
            assert "Fn::Cidr" in json.dumps(subnet["Properties"]["CidrBlock"]), (
                "subnet CIDRs are computed from the VPC CIDR, never typed by hand"
            )


def test_network_has_every_endpoint_with_private_dns(documents):
    expected = {"secretsmanager", "ssm", "sts", "kms", "logs", "ec2"}
    for name, document in stacks_named(documents, "network"):
        endpoints = resources(document, "AWS::EC2::VPCEndpoint").values()
        interface = {
            e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]
            for e in endpoints
            if e["Properties"]["VpcEndpointType"] == "Interface"
        }
        assert interface == expected, name
        assert all(
            e["Properties"]["PrivateDnsEnabled"] is True
            for e in endpoints
            if e["Properties"]["VpcEndpointType"] == "Interface"
        )
        gateways = [e for e in endpoints if e["Properties"]["VpcEndpointType"] == "Gateway"]
        assert [g["Properties"]["ServiceName"]["Fn::Sub"] for g in gateways] == [
            "com.amazonaws.${AWS::Region}.s3"
        ]


def test_only_mysql_and_https_are_opened_between_tiers(documents):
    for name, document in stacks_named(documents, "network"):
        for type_name in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            for logical_id, rule in resources(document, type_name).items():
                ports = (rule["Properties"]["FromPort"], rule["Properties"]["ToPort"])
                assert ports in {(443, 443), (3306, 3306)}, f"{name}:{logical_id} {ports}"


@pytest.mark.parametrize("bucket_id", ["MigrationBucket", "AuditLogBucket"])
def test_buckets_are_versioned_encrypted_private_and_tls_only(documents, bucket_id):
    for name, document in stacks_named(documents, "storage"):
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
        statement = statements["DenyInsecureTransport"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": False}}, name
