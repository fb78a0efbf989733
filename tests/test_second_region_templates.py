"""Templates of prod's second region and global group: global database, audit-log replication,
the StackSet and its roles, the regional baseline, Route 53 failover."""

import fnmatch
import json
import re

import pytest
import yaml
from tapstack_blocks.baseline import build_baseline
from tapstack_hooks.cfn_lint import lint_findings
from tapstack_tools.checkov_scan import run_checkov
from tapstack_tools.reachability import Evaluator, Facts, StackInput
from tapstack_tools.rendered_templates import PROJECT_DIR


def properties(document: dict, logical_id: str) -> dict:
    return document["Resources"][logical_id]["Properties"]


def test_primary_creates_the_global_database_with_a_generated_replicated_secret(documents):
    primary = documents["prod/us-east-1/cluster"]
    assert properties(primary, "GlobalDatabase")["StorageEncrypted"] is True
    cluster = properties(primary, "DatabaseCluster")
    assert cluster["GlobalClusterIdentifier"] == {"Ref": "GlobalDatabase"}
    assert "ManageMasterUserPassword" not in cluster
    # The password is only ever a dynamic reference to the stack's own generated secret.
    assert cluster["MasterUserPassword"] == {
        "Fn::Sub": [
            "{{resolve:secretsmanager:${Secret}:SecretString:password}}",
            {"Secret": {"Ref": "GlobalMasterSecret"}},
        ]
    }
    secret = properties(primary, "GlobalMasterSecret")
    assert secret["KmsKeyId"] == {"Ref": "KmsKeyArn"}
    assert secret["ReplicaRegions"] == [
        {"Region": {"Ref": "SecondaryRegion"}, "KmsKeyId": {"Ref": "SecondaryKmsKeyArn"}}
    ]
    text = json.dumps(primary)
    assert "NoEcho" not in text
    assert all("password" not in name.lower() for name in primary["Parameters"])
    assert primary["Outputs"]["MasterSecretArn"]["Value"] == {"Ref": "GlobalMasterSecret"}


def test_secondary_joins_without_credentials_of_its_own(documents):
    secondary = documents["prod/eu-west-1/cluster"]
    cluster = properties(secondary, "DatabaseCluster")
    assert cluster["GlobalClusterIdentifier"] == {"Ref": "GlobalClusterIdentifier"}
    for own in ("MasterUsername", "MasterUserPassword", "ManageMasterUserPassword", "DatabaseName"):
        assert own not in cluster
    assert cluster["KmsKeyId"] == {"Ref": "KmsKeyArn"}  # its own region's key
    assert "GlobalDatabase" not in secondary["Resources"]
    assert "GlobalClusterIdentifier" not in secondary.get("Outputs", {})


def test_dev_and_staging_keep_the_rds_managed_secret(documents):
    for name in ("dev/us-east-1/cluster", "staging/us-east-1/cluster"):
        cluster = properties(documents[name], "DatabaseCluster")
        assert cluster["ManageMasterUserPassword"] is True
        assert "GlobalClusterIdentifier" not in cluster


def test_audit_log_replicates_under_rtc_without_delete_markers_with_the_destination_key(documents):
    storage = documents["prod/us-east-1/storage"]
    replication = properties(storage, "AuditLogBucket")["ReplicationConfiguration"]
    (rule,) = replication["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["DeleteMarkerReplication"] == {"Status": "Disabled"}
    assert rule["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    destination = rule["Destination"]
    assert destination["Bucket"] == {"Ref": "AuditLogReplicaBucketArn"}
    assert destination["EncryptionConfiguration"] == {
        "ReplicaKmsKeyID": {"Ref": "AuditLogReplicaKmsKeyArn"}
    }
    assert destination["ReplicationTime"] == {"Status": "Enabled", "Time": {"Minutes": 15}}
    assert destination["Metrics"] == {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    assert "ReplicationConfiguration" not in properties(storage, "MigrationBucket")
    for group in ("dev/us-east-1", "staging/us-east-1", "prod/eu-west-1"):
        assert "ReplicationConfiguration" not in properties(
            documents[f"{group}/storage"], "AuditLogBucket"
        )


def test_replication_role_is_least_privilege(documents):
    role = properties(documents["prod/us-east-1/storage"], "AuditLogReplicationRole")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "s3.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    (policy,) = role["Policies"]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert {sid: sorted(s["Action"]) for sid, s in statements.items()} == {
        "ReadSourceConfiguration": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
        "ReadSourceVersions": [
            "s3:GetObjectLegalHold",
            "s3:GetObjectRetention",
            "s3:GetObjectVersionAcl",
            "s3:GetObjectVersionForReplication",
            "s3:GetObjectVersionTagging",
        ],
        "WriteReplicas": ["s3:ReplicateObject", "s3:ReplicateTags"],
        "DecryptSourceThroughS3": ["kms:Decrypt"],
        "EncryptReplicasThroughS3": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
    }
    for statement in statements.values():
        assert statement["Effect"] == "Allow"
        assert "*" not in json.dumps(statement["Resource"]).replace("/*", "")
    assert statements["DecryptSourceThroughS3"]["Resource"] == [{"Ref": "KmsKeyArn"}]
    assert statements["EncryptReplicasThroughS3"]["Resource"] == [
        {"Ref": "AuditLogReplicaKmsKeyArn"}
    ]
    # Each key only through S3 of its region, only under its bucket's ARN (S3 Bucket Keys).
    assert statements["DecryptSourceThroughS3"]["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"},
            "kms:EncryptionContext:aws:s3:arn": {
                "Fn::Sub": "arn:${AWS::Partition}:s3:::tapstack-audit-log-${EnvironmentName}-"
                "${EnvironmentSuffix}-${AWS::AccountId}-${AWS::Region}"
            },
        }
    }
    assert statements["EncryptReplicasThroughS3"]["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {
                "Fn::Sub": [
                    "s3.${Region}.amazonaws.com",
                    {
                        "Region": {
                            "Fn::Select": [
                                3,
                                {"Fn::Split": [":", {"Ref": "AuditLogReplicaKmsKeyArn"}]},
                            ]
                        }
                    },
                ]
            },
            "kms:EncryptionContext:aws:s3:arn": {"Ref": "AuditLogReplicaBucketArn"},
        }
    }


def _iam_matches(operator: str, allowed, value: str) -> bool:
    """IAM's string condition operators, on an evaluated condition value."""
    allowed = allowed if isinstance(allowed, list) else [allowed]
    if operator == "StringEquals":
        return value in allowed
    if operator == "StringLike":
        return any(fnmatch.fnmatchcase(value, pattern) for pattern in allowed)
    raise AssertionError(f"unexpected condition operator {operator}")


def _kms_allowed(statements: list[dict], action: str, key: str, context: dict[str, str]) -> bool:
    """Whether an Allow statement lets `action` on `key` happen in `context` (no Deny exists)."""
    return any(
        action in statement["Action"]
        and key in statement["Resource"]
        and all(
            _iam_matches(operator, allowed, context[name])
            for operator, pairs in statement.get("Condition", {}).items()
            for name, allowed in pairs.items()
        )
        for statement in statements
    )


def test_replication_role_allows_the_kms_calls_s3_makes_under_bucket_keys(documents):
    """S3 calls KMS with the bucket ARN as aws:s3:arn when the bucket uses an S3 Bucket Key, and
    decrypts the replica key's Bucket Key before use; a role conditioned on `bucket/*` only
    (object ARNs) fails every replication."""
    stack = StackInput(
        "prod/us-east-1/storage",
        "prod",
        "us-east-1",
        documents["prod/us-east-1/storage"],
        {
            "EnvironmentName": "prod",
            "EnvironmentSuffix": "abc123",
            "KmsKeyArn": "arn:aws:kms:us-east-1:111111111111:key/source",
            "AuditLogReplicaBucketArn": "arn:aws:s3:::replica-audit-log",
            "AuditLogReplicaKmsKeyArn": "arn:aws:kms:eu-west-1:111111111111:key/replica",
        },
    )
    resources = Evaluator(stack, Facts({"prod": "111111111111"}, [], [], [])).resources()
    bucket = resources["AuditLogBucket"]["Properties"]
    replica_bucket = properties(documents["prod/eu-west-1/storage"], "AuditLogBucket")
    # Both buckets use Bucket Keys, so both contexts are bucket ARNs.
    for uses_bucket_keys in (bucket, replica_bucket):
        (rule,) = uses_bucket_keys["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["BucketKeyEnabled"] is True
    (policy,) = resources["AuditLogReplicationRole"]["Properties"]["Policies"]
    statements = policy["PolicyDocument"]["Statement"]
    source = {
        "kms:ViaService": "s3.us-east-1.amazonaws.com",
        "kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{bucket['BucketName']}",
    }
    replica = {
        "kms:ViaService": "s3.eu-west-1.amazonaws.com",
        "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::replica-audit-log",
    }
    source_key = stack.parameters["KmsKeyArn"]
    replica_key = stack.parameters["AuditLogReplicaKmsKeyArn"]
    assert _kms_allowed(statements, "kms:Decrypt", source_key, source)
    assert _kms_allowed(statements, "kms:Encrypt", replica_key, replica)
    assert _kms_allowed(statements, "kms:Decrypt", replica_key, replica)
    # ...and nothing else: not another bucket's context, not the wrong region, not the other key.
    other_bucket = {**source, "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::other-bucket"}
    object_arn = {
        **source,
        "kms:EncryptionContext:aws:s3:arn": f"{source['kms:EncryptionContext:aws:s3:arn']}/x",
    }
    assert not _kms_allowed(statements, "kms:Decrypt", source_key, other_bucket)
    assert not _kms_allowed(statements, "kms:Decrypt", source_key, object_arn)
    assert not _kms_allowed(
        statements,
        "kms:Decrypt",
        source_key,
        {**source, "kms:ViaService": "s3.eu-west-1.amazonaws.com"},
    )
    assert not _kms_allowed(statements, "kms:Encrypt", source_key, source)
    assert not _kms_allowed(statements, "kms:Decrypt", replica_key, source)


def test_stack_set_is_self_managed_with_parameterised_operation_preferences(documents):
    stackset = documents["global/stackset"]
    stack_set = properties(stackset, "BaselineStackSet")
    assert stack_set["PermissionModel"] == "SELF_MANAGED"
    assert stack_set["AdministrationRoleARN"] == {"Fn::GetAtt": ["AdministrationRole", "Arn"]}
    assert stack_set["ExecutionRoleName"] == {"Ref": "ExecutionRole"}
    preferences = stack_set["OperationPreferences"]
    assert preferences["FailureToleranceCount"] == {"Ref": "FailureToleranceCount"}
    assert preferences["MaxConcurrentCount"] == {"Ref": "MaxConcurrentCount"}
    assert preferences["RegionConcurrencyType"] == "SEQUENTIAL"
    assert preferences["RegionOrder"] == {"Ref": "TargetRegions"}
    (group,) = stack_set["StackInstancesGroup"]
    assert group["DeploymentTargets"] == {"Accounts": [{"Ref": "AWS::AccountId"}]}


def test_stack_set_roles_trust_only_each_other(documents):
    stackset = documents["global/stackset"]
    admin = properties(stackset, "AdministrationRole")
    (trust,) = admin["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    (policy,) = admin["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["sts:AssumeRole"]
    assert statement["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"
            "tapstack-stackset-execution-${EnvironmentName}"
        }
    ]
    execution = properties(stackset, "ExecutionRole")
    assert execution["RoleName"] == {"Fn::Sub": "tapstack-stackset-execution-${EnvironmentName}"}
    (trust,) = execution["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Fn::GetAtt": ["AdministrationRole", "Arn"]}}


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_baseline_template_is_cfn_lint_clean_in_each_region(documents, region):
    body = properties(documents["global/stackset"], "BaselineStackSet")["TemplateBody"]
    assert json.loads(body) == json.loads(build_baseline().to_json())
    assert lint_findings(body, region) == []


def test_baseline_has_key_audit_trail_bucket_image_repository_and_writer_name():
    baseline = json.loads(build_baseline().to_json())
    types = {r["Type"] for r in baseline["Resources"].values()}
    assert {
        "AWS::KMS::Key",
        "AWS::S3::Bucket",
        "AWS::ECR::Repository",
        "AWS::SSM::Parameter",
    } <= types
    repository = baseline["Resources"]["BaselineRepository"]["Properties"]
    assert repository["RepositoryName"] == {
        "Fn::Sub": "tapstack-baseline-${EnvironmentName}-${EnvironmentSuffix}"
    }
    assert repository["ImageTagMutability"] == "IMMUTABLE"
    assert repository["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert repository["EncryptionConfiguration"]["EncryptionType"] == "KMS"
    assert baseline["Resources"]["BaselineKey"]["Properties"]["EnableKeyRotation"] is True


def test_checkov_finds_nothing_in_the_baseline(tmp_path):
    (tmp_path / "baseline.json").write_text(build_baseline().to_json())
    report = run_checkov(tmp_path)
    failed = [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]]
    assert failed == []
    for skipped in report["results"]["skipped_checks"]:
        assert len(skipped["check_result"]["suppress_comment"]) > 40


def test_failover_records_primary_with_health_check_secondary_without(documents):
    dns = documents["prod/us-east-1/dns"]
    zone = properties(dns, "PrivateZone")
    assert zone["VPCs"] == [
        {"VPCId": {"Ref": "PrimaryVpcId"}, "VPCRegion": {"Ref": "PrimaryRegion"}},
        {"VPCId": {"Ref": "SecondaryVpcId"}, "VPCRegion": {"Ref": "SecondaryRegion"}},
    ]
    primary = properties(dns, "PrimaryWriterRecord")
    secondary = properties(dns, "SecondaryWriterRecord")
    assert (primary["Failover"], secondary["Failover"]) == ("PRIMARY", "SECONDARY")
    assert primary["Name"] == secondary["Name"]
    assert primary["HealthCheckId"] == {"Ref": "PrimaryWriterHealthCheck"}
    assert "HealthCheckId" not in secondary
    assert primary["ResourceRecords"] == [{"Ref": "PrimaryWriterEndpoint"}]
    assert secondary["ResourceRecords"] == [{"Ref": "SecondaryWriterEndpoint"}]
    check = properties(dns, "PrimaryWriterHealthCheck")["HealthCheckConfig"]
    assert check["Type"] == "CLOUDWATCH_METRIC"
    assert check["InsufficientDataHealthStatus"] == "Unhealthy"
    alarm = properties(dns, "PrimaryWriterAlarm")
    assert alarm["TreatMissingData"] == "breaching"


def test_the_stable_name_in_dns_is_the_one_lambdas_read_from_ssm(documents):
    dns = documents["prod/us-east-1/dns"]
    baseline = json.loads(build_baseline().to_json())
    published = baseline["Resources"]["WriterDnsParameter"]["Properties"]
    assert published["Name"] == {"Fn::Sub": "/tapstack/${EnvironmentName}/db/writer-dns"}
    assert published["Value"] == properties(dns, "PrimaryWriterRecord")["Name"]


def test_every_validator_reads_its_own_users_secret_never_the_master(documents):
    def secret_statement(name: str) -> dict:
        role = properties(documents[name], "ValidatorFunctionRole")
        statements = role["Policies"][0]["PolicyDocument"]["Statement"]
        (statement,) = [s for s in statements if s.get("Sid") == "DatabaseSecret"]
        return statement

    # prod/eu-west-1 reads the replica: same name, its own region in the ARN
    for name in ("prod/us-east-1/compute", "prod/eu-west-1/compute", "dev/us-east-1/compute"):
        assert secret_statement(name)["Resource"] == [
            {
                "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:"
                "${AWS::AccountId}:secret:tapstack/${EnvironmentName}/${EnvironmentSuffix}/"
                "db/validator-??????"
            }
        ]


def _config(path: str) -> dict:
    """A config/ file, its resolver tags dropped (their arguments stay), bare Jinja quoted."""
    text = (PROJECT_DIR / "config" / path).read_text()
    text = re.sub(r": (\{\{[^}]*\}\})", r": '\1'", text)
    return yaml.safe_load(re.sub(r"!\w+", "", text))


def test_dns_is_in_prods_launch_and_reads_the_two_clusters_writer_endpoints(documents):
    # prod/us-east-1/dns, not a global stack: `sceptre launch prod` creates it, beside the
    # instances, from the cluster stacks' outputs only (never the database stacks')
    assert "global/dns" not in documents
    assert not (PROJECT_DIR / "config/global/dns.yaml").exists()
    parameters = _config("prod/us-east-1/dns.yaml")["parameters"]
    assert parameters["PrimaryWriterEndpoint"] == "prod/us-east-1/cluster.yaml::ClusterEndpoint"
    assert parameters["SecondaryWriterEndpoint"] == "prod/eu-west-1/cluster.yaml::ClusterEndpoint"
    assert parameters["PrimaryClusterIdentifier"] == (
        "prod/us-east-1/cluster.yaml::ClusterIdentifier"
    )
    assert (parameters["PrimaryRegion"], parameters["SecondaryRegion"]) == (
        "us-east-1",
        "eu-west-1",
    )
    assert not [value for value in parameters.values() if "database.yaml" in str(value)]


def test_the_secondary_cluster_joins_the_primary_clusters_global_database():
    # it waits for the primary's cluster stack, not for the primary's instances
    parameters = _config("prod/eu-west-1/cluster.yaml")["parameters"]
    assert parameters["GlobalClusterIdentifier"] == (
        "prod/us-east-1/cluster.yaml::GlobalClusterIdentifier"
    )
    assert parameters["PrimaryMasterSecretArn"] == "prod/us-east-1/cluster.yaml::MasterSecretArn"
    options = _config("prod/eu-west-1/cluster.yaml")["sceptre_user_data"]
    assert options["global_database"] == "secondary"
    assert _config("prod/us-east-1/cluster.yaml")["sceptre_user_data"]["global_database"] == (
        "primary"
    )
