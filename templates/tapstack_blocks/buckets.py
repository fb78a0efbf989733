"""A versioned, KMS-encrypted, private S3 bucket and its TLS-only bucket policy."""

from awacs import s3 as s3_actions
from awacs.aws import (
    Allow,
    ArnLike,
    ArnNotLike,
    BoolIfExists,
    Condition,
    Deny,
    Policy,
    Principal,
    Statement,
    StringEquals,
    StringNotEqualsIfExists,
)
from troposphere import AWSHelperFn, GetAtt, Ref, Sub, Template
from troposphere.s3 import (
    AbortIncompleteMultipartUpload,
    Bucket,
    BucketEncryption,
    BucketPolicy,
    LifecycleConfiguration,
    LifecycleRule,
    LoggingConfiguration,
    NoncurrentVersionExpiration,
    ObjectLockConfiguration,
    OwnershipControls,
    OwnershipControlsRule,
    PublicAccessBlockConfiguration,
    ServerSideEncryptionByDefault,
    ServerSideEncryptionRule,
    VersioningConfiguration,
)

from tapstack_blocks.suppressions import scanner_metadata
from tapstack_blocks.tags import name_tags
from tapstack_blocks.tls_only import bucket_resources, deny_insecure_transport

ABORT_INCOMPLETE_UPLOAD_DAYS = 7
ACCESS_LOG_NONCURRENT_DAYS = 30
_SSE_S3_ONLY = (
    "S3 delivers server access logs only to a bucket encrypted with SSE-S3 (AES256), not "
    "SSE-KMS; the logs hold request metadata, no data, and the bucket is private."
)
_NOT_ITS_OWN_LOG = (
    "The access-log bucket does not log into itself (each delivery would log another); "
    "CloudTrail's management events record changes to it."
)
ACCESS_LOG_BUCKET_SUPPRESSIONS = {
    "checkov": {
        "skip": [
            {"id": "CKV_AWS_18", "comment": _NOT_ITS_OWN_LOG},
            {"id": "CKV_AWS_145", "comment": _SSE_S3_ONLY},
        ]
    },
    **scanner_metadata(
        {
            "S3_BUCKET_LOGGING_ENABLED": _NOT_ITS_OWN_LOG,
            "S3_DEFAULT_ENCRYPTION_KMS": _SSE_S3_ONLY,
            "S3_BUCKET_REPLICATION_ENABLED": "Access logs stay in the region and account of "
            "the buckets they describe; nothing restores from them.",
        }
    ),
}
# Security-scanner suppressions, one by one, with the reason beside each (checkov reads these).
SCANNER_SUPPRESSIONS = {
    "checkov": {
        "skip": [
            {
                "id": "CKV_AWS_18",
                "comment": "Written by CloudTrail only: the baseline has no access-log bucket "
                "of its own (S3 delivers access logs only to SSE-S3 buckets), and CloudTrail "
                "records the bucket's changes (docs/security.md).",
            }
        ]
    },
    **scanner_metadata(
        {
            "S3_BUCKET_LOGGING_ENABLED": "Written by CloudTrail only: the baseline has no "
            "access-log bucket of its own (S3 delivers access logs only to SSE-S3 buckets), and "
            "CloudTrail records the bucket's changes (docs/security.md).",
        }
    ),
}


def add_private_bucket(
    template: Template,
    logical_id: str,
    name: AWSHelperFn,
    kms_key_arn: AWSHelperFn,
    noncurrent_version_days: AWSHelperFn | int,
    replication: AWSHelperFn | None = None,
    unreplicated_because: str = "",
    object_lock: ObjectLockConfiguration | None = None,
    access_logs: AWSHelperFn | None = None,
) -> Bucket:
    """A bucket with versioning, SSE-KMS, lifecycle hygiene and all public access blocked;
    `replication` (a ReplicationConfiguration, usually under a condition) when given, else
    `unreplicated_because` says why the bucket needs no copy in another region; S3 server
    access logs into the `access_logs` bucket when given."""
    optional = {"ReplicationConfiguration": replication} if replication is not None else {}
    if object_lock is not None:
        optional.update(ObjectLockEnabled=True, ObjectLockConfiguration=object_lock)
    metadata = SCANNER_SUPPRESSIONS
    if access_logs is not None:
        optional["LoggingConfiguration"] = LoggingConfiguration(
            DestinationBucketName=access_logs, LogFilePrefix=f"{logical_id}/"
        )
        metadata = {}
    if replication is None:
        if not unreplicated_because:
            raise ValueError(f"{logical_id}: say why it is not replicated")
        metadata = {
            **metadata,
            **scanner_metadata(
                {
                    **metadata.get("guard", {}).get("Reasons", {}),
                    "S3_BUCKET_REPLICATION_ENABLED": unreplicated_because,
                }
            ),
        }
    return template.add_resource(
        Bucket(
            logical_id,
            **optional,
            BucketName=name,
            VersioningConfiguration=VersioningConfiguration(Status="Enabled"),
            BucketEncryption=BucketEncryption(
                ServerSideEncryptionConfiguration=[
                    ServerSideEncryptionRule(
                        ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(
                            SSEAlgorithm="aws:kms", KMSMasterKeyID=kms_key_arn
                        ),
                        BucketKeyEnabled=True,
                    )
                ]
            ),
            LifecycleConfiguration=LifecycleConfiguration(
                Rules=[
                    _expire_noncurrent_versions(noncurrent_version_days),
                    LifecycleRule(
                        Id="abort-incomplete-uploads",
                        Status="Enabled",
                        AbortIncompleteMultipartUpload=AbortIncompleteMultipartUpload(
                            DaysAfterInitiation=ABORT_INCOMPLETE_UPLOAD_DAYS
                        ),
                    ),
                ]
            ),
            **_private_access(),
            Tags=name_tags(name),
            **({"Metadata": metadata} if metadata else {}),
            # Explicit: no environment retains a bucket (ARCHITECTURE.md section 2).
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
    )


def add_tls_only_policy(
    template: Template,
    bucket: Bucket,
    source_vpce: AWSHelperFn | None = None,
    exempt_principals: list[AWSHelperFn] | None = None,
    extra_statements: list[Statement] | None = None,
) -> BucketPolicy:
    """Deny every request to the bucket that does not arrive over TLS; with `source_vpce`,
    also every request of a principal that does not come through that VPC endpoint."""
    perimeter = (
        []
        if source_vpce is None
        else [_only_through_the_endpoint(bucket, source_vpce, exempt_principals or [])]
    )
    policy = Policy(
        Version="2012-10-17",
        Statement=[
            *perimeter,
            *(extra_statements or []),
            deny_insecure_transport([s3_actions.Action("*")], bucket_resources(bucket)),
        ],
    )
    return template.add_resource(
        BucketPolicy(f"{bucket.title}Policy", Bucket=Ref(bucket), PolicyDocument=policy)
    )


def _only_through_the_endpoint(
    bucket: Bucket, source_vpce: AWSHelperFn, exempt_principals: list[AWSHelperFn]
) -> Statement:
    """The bucket's network perimeter: a request of this project's code must come through the
    VPC's S3 endpoint. Exempt: the principals named (the deployer, S3 replication), AWS
    services and calls they make on a principal's behalf (Lambda fetching a package for
    CloudFormation). `ArnNotLike` without IfExists: an anonymous request has no principal, and
    public access is blocked anyway."""
    return Statement(
        Sid="DenyOutsideTheVpcEndpoint",
        Effect=Deny,
        Principal=Principal("*"),
        Action=[s3_actions.Action("*")],
        Resource=[GetAtt(bucket, "Arn"), Sub("${Arn}/*", Arn=GetAtt(bucket, "Arn"))],
        Condition=Condition(
            [
                StringNotEqualsIfExists("aws:SourceVpce", source_vpce),
                ArnNotLike("aws:PrincipalArn", exempt_principals),
                BoolIfExists({"aws:PrincipalIsAWSService": False, "aws:ViaAWSService": False}),
            ]
        ),
    )


def add_access_log_bucket(
    template: Template,
    name: AWSHelperFn,
    source_bucket_arns: list[AWSHelperFn],
    source_vpce: AWSHelperFn,
    exempt_principals: list[AWSHelperFn],
) -> tuple[Bucket, BucketPolicy]:
    """The bucket S3 delivers the other buckets' server access logs to: SSE-S3, the only
    encryption S3 log delivery supports; written by the logging service for exactly the
    source buckets of this account."""
    bucket = template.add_resource(
        Bucket(
            "AccessLogBucket",
            BucketName=name,
            VersioningConfiguration=VersioningConfiguration(Status="Enabled"),
            BucketEncryption=BucketEncryption(
                ServerSideEncryptionConfiguration=[
                    ServerSideEncryptionRule(
                        ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(
                            SSEAlgorithm="AES256"
                        )
                    )
                ]
            ),
            LifecycleConfiguration=LifecycleConfiguration(
                Rules=[_expire_noncurrent_versions(ACCESS_LOG_NONCURRENT_DAYS)]
            ),
            **_private_access(),
            Tags=name_tags(name),
            Metadata=ACCESS_LOG_BUCKET_SUPPRESSIONS,
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
    )
    delivery = Statement(
        Sid="S3ServerAccessLogDelivery",
        Effect=Allow,
        Principal=Principal("Service", "logging.s3.amazonaws.com"),
        Action=[s3_actions.PutObject],
        Resource=Sub("${Arn}/*", Arn=GetAtt(bucket, "Arn")),
        Condition=Condition(
            [
                StringEquals("aws:SourceAccount", Sub("${AWS::AccountId}")),
                ArnLike("aws:SourceArn", source_bucket_arns),
            ]
        ),
    )
    policy = add_tls_only_policy(template, bucket, source_vpce, exempt_principals, [delivery])
    return bucket, policy


def _private_access() -> dict:
    """No public access of any kind, and ACLs off: the bucket owner owns every object."""
    return {
        "PublicAccessBlockConfiguration": PublicAccessBlockConfiguration(
            BlockPublicAcls=True,
            BlockPublicPolicy=True,
            IgnorePublicAcls=True,
            RestrictPublicBuckets=True,
        ),
        "OwnershipControls": OwnershipControls(
            Rules=[OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
        ),
    }


def _expire_noncurrent_versions(days) -> LifecycleRule:
    """Replaced and deleted object versions go after `days`."""
    return LifecycleRule(
        Id="expire-noncurrent-versions",
        Status="Enabled",
        NoncurrentVersionExpiration=NoncurrentVersionExpiration(NoncurrentDays=days),
    )
