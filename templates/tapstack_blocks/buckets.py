"""A versioned, KMS-encrypted, private S3 bucket and its TLS-only bucket policy."""

from awacs import s3 as s3_actions
from awacs.aws import (
    ArnNotLike,
    Bool,
    BoolIfExists,
    Condition,
    Deny,
    Policy,
    Principal,
    Statement,
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

ABORT_INCOMPLETE_UPLOAD_DAYS = 7
# Security-scanner suppressions, one by one, with the reason beside each (checkov reads these).
SCANNER_SUPPRESSIONS = {
    "checkov": {
        "skip": [
            {
                "id": "CKV_AWS_18",
                "comment": "S3 server access logs cannot be delivered to an SSE-KMS bucket and "
                "every tapstack bucket must be SSE-KMS; object-level access is to be audited by "
                "CloudTrail data events (docs/security.md).",
            }
        ]
    },
    **scanner_metadata(
        {
            "S3_BUCKET_LOGGING_ENABLED": "S3 server access logs cannot be delivered to an SSE-KMS "
            "bucket and every tapstack bucket must be SSE-KMS; object-level access is to be "
            "audited by CloudTrail data events (docs/security.md).",
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
) -> Bucket:
    """A bucket with versioning, SSE-KMS, lifecycle hygiene and all public access blocked;
    `replication` (a ReplicationConfiguration, usually under a condition) when given, else
    `unreplicated_because` says why the bucket needs no copy in another region."""
    optional = {"ReplicationConfiguration": replication} if replication is not None else {}
    if object_lock is not None:
        optional.update(ObjectLockEnabled=True, ObjectLockConfiguration=object_lock)
    metadata = SCANNER_SUPPRESSIONS
    if replication is None:
        if not unreplicated_because:
            raise ValueError(f"{logical_id}: say why it is not replicated")
        metadata = {
            **SCANNER_SUPPRESSIONS,
            **scanner_metadata(
                {
                    **SCANNER_SUPPRESSIONS["guard"]["Reasons"],
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
                    LifecycleRule(
                        Id="expire-noncurrent-versions",
                        Status="Enabled",
                        NoncurrentVersionExpiration=NoncurrentVersionExpiration(
                            NoncurrentDays=noncurrent_version_days
                        ),
                    ),
                    LifecycleRule(
                        Id="abort-incomplete-uploads",
                        Status="Enabled",
                        AbortIncompleteMultipartUpload=AbortIncompleteMultipartUpload(
                            DaysAfterInitiation=ABORT_INCOMPLETE_UPLOAD_DAYS
                        ),
                    ),
                ]
            ),
            PublicAccessBlockConfiguration=PublicAccessBlockConfiguration(
                BlockPublicAcls=True,
                BlockPublicPolicy=True,
                IgnorePublicAcls=True,
                RestrictPublicBuckets=True,
            ),
            OwnershipControls=OwnershipControls(
                Rules=[OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
            ),
            Tags=name_tags(name),
            Metadata=metadata,
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
            Statement(
                Sid="DenyInsecureTransport",
                Effect=Deny,
                Principal=Principal("*"),  # a Deny for everyone: no request without TLS
                Action=[s3_actions.Action("*")],
                Resource=[GetAtt(bucket, "Arn"), Sub("${Arn}/*", Arn=GetAtt(bucket, "Arn"))],
                Condition=Condition(Bool("aws:SecureTransport", False)),
            ),
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
