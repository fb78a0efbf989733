"""The account's CloudTrail trail (tapstack_blocks.audit_trail): one per account, in its home
region's storage stack, multi-region in prod; management events, S3 data events on the
project's buckets but the one it delivers to, log file validation, the environment key, a copy
in CloudWatch Logs; the audit-log bucket admits exactly this trail; the key lets CloudTrail
encrypt this account's trails only."""

TRAIL_ARN = {
    "Fn::Sub": [
        "arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${Name}",
        {"Name": {"Fn::Sub": "tapstack-trail-${EnvironmentName}-${EnvironmentSuffix}"}},
    ]
}


def trails(documents) -> dict[str, dict]:
    return {
        name: resource["Properties"]
        for name, document in documents.items()
        for resource in document["Resources"].values()
        if resource["Type"] == "AWS::CloudTrail::Trail"
    }


def test_one_trail_per_account_multi_region_in_prod(documents):
    found = trails(documents)
    assert set(found) == {
        "dev/us-east-1/storage",
        "staging/us-east-1/storage",
        "prod/us-east-1/storage",
    }
    for name, trail in found.items():
        assert trail["IsMultiRegionTrail"] is name.startswith("prod/"), name
        assert trail["IsLogging"] is True and trail["EnableLogFileValidation"] is True
        assert trail["IncludeGlobalServiceEvents"] is True
        assert trail["KMSKeyId"] == {"Ref": "KmsKeyArn"}
        assert trail["S3BucketName"] == {"Ref": "AuditLogBucket"}
        assert trail["CloudWatchLogsLogGroupArn"] == {"Fn::GetAtt": ["AuditTrailLogGroup", "Arn"]}
        (selector,) = trail["EventSelectors"]
        assert selector["IncludeManagementEvents"] is True and selector["ReadWriteType"] == "All"
        (data,) = selector["DataResources"]
        assert data["Type"] == "AWS::S3::Object"
        assert data["Values"] == [
            {"Fn::Sub": ["${Arn}/", {"Arn": {"Fn::GetAtt": ["MigrationBucket", "Arn"]}}]}
        ]  # not the audit-log bucket it delivers to


def test_the_audit_log_bucket_admits_exactly_this_trail(documents):
    for name in ("dev/us-east-1/storage", "prod/us-east-1/storage"):
        resources = documents[name]["Resources"]
        statements = {
            s["Sid"]: s
            for s in resources["AuditLogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        }
        for sid in ("CloudTrailAclCheck", "CloudTrailWritesThisAccountsLogs"):
            statement = statements[sid]
            assert statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
            assert statement["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}
        assert resources["AuditTrail"]["DependsOn"] == ["AuditLogBucketPolicy"]
        migration = resources["MigrationBucketPolicy"]["Properties"]["PolicyDocument"]
        assert not any("CloudTrail" in s["Sid"] for s in migration["Statement"])
    eu = documents["prod/eu-west-1/storage"]["Resources"]
    statements = eu["AuditLogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert not any("CloudTrail" in s["Sid"] for s in statements)


def test_the_key_lets_cloudtrail_encrypt_this_accounts_trails_only(documents):
    for name, document in documents.items():
        if not name.endswith("/kms"):
            continue
        policy = document["Resources"]["EnvironmentKey"]["Properties"]["KeyPolicy"]
        statement = {s["Sid"]: s for s in policy["Statement"]}["CloudTrailOfThisAccount"]
        assert statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
        assert sorted(statement["Action"]) == ["kms:DescribeKey", "kms:GenerateDataKey"]
        assert statement["Condition"]["StringEquals"] == {
            "aws:SourceAccount": {"Fn::Sub": "${AWS::AccountId}"}
        }
        assert statement["Condition"]["ArnLike"] == {
            "kms:EncryptionContext:aws:cloudtrail:arn": {
                "Fn::Sub": "arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*"
            }
        }


def test_the_projects_buckets_log_their_access_into_the_access_log_bucket(documents):
    for name, document in documents.items():
        if not name.endswith("/storage"):
            continue
        resources = document["Resources"]
        for bucket_id in ("MigrationBucket", "AuditLogBucket"):
            bucket = resources[bucket_id]
            assert bucket["Properties"]["LoggingConfiguration"] == {
                "DestinationBucketName": {"Ref": "AccessLogBucket"},
                "LogFilePrefix": f"{bucket_id}/",
            }, (name, bucket_id)
            assert bucket["DependsOn"] == ["AccessLogBucketPolicy"]
        logs = resources["AccessLogBucket"]["Properties"]
        (rule,) = logs["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        assert all(logs["PublicAccessBlockConfiguration"].values())
        policy = resources["AccessLogBucketPolicy"]["Properties"]["PolicyDocument"]
        delivery = {s["Sid"]: s for s in policy["Statement"]}["S3ServerAccessLogDelivery"]
        assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
        assert delivery["Action"] == ["s3:PutObject"]
        sources = delivery["Condition"]["ArnLike"]["aws:SourceArn"]
        assert [source["Fn::Sub"] for source in sources] == [
            "arn:${AWS::Partition}:s3:::" + resources[b]["Properties"]["BucketName"]["Fn::Sub"]
            for b in ("MigrationBucket", "AuditLogBucket")
        ]
