"""S3 cross-region replication: the least-privilege replication role and the rule set.

The rule replicates every object version but not delete markers, re-encrypts replicas with the
destination region's key, and turns on Replication Time Control (15-minute SLA, with metrics).
"""

from awacs import kms, s3
from awacs.aws import Allow, Condition, Policy, Statement, StringEquals
from troposphere import AWSHelperFn, GetAtt, Select, Split, Sub, Template
from troposphere.iam import Policy as RolePolicy
from troposphere.iam import Role
from troposphere.s3 import (
    DeleteMarkerReplication,
    EncryptionConfiguration,
    Metrics,
    ReplicationConfiguration,
    ReplicationConfigurationRules,
    ReplicationConfigurationRulesDestination,
    ReplicationRuleFilter,
    ReplicationTime,
    ReplicationTimeValue,
    SourceSelectionCriteria,
    SseKmsEncryptedObjects,
)

from tapstack_blocks.boundary import permissions_boundary_arn
from tapstack_blocks.iam import service_trust_policy
from tapstack_blocks.naming import resource_name
from tapstack_blocks.suppressions import INLINE_POLICY, scanner_metadata

# Replication Time Control: AWS's SLA is 15 minutes, and 15 is the only value S3 accepts.
RTC_MINUTES = 15
# The role's name, known before it exists: the replica bucket's policy exempts it by ARN.
REPLICATION_ROLE = "audit-log-replication"


def role_arn(resource: str) -> Sub:
    """The ARN of this account's role named `tapstack-{resource}-{env}-{suffix}`."""
    return Sub(
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Name}", Name=resource_name(resource)
    )


def region_of(arn: AWSHelperFn) -> Select:
    """The region field of an ARN (arn:partition:service:REGION:account:resource)."""
    return Select(3, Split(":", arn))


def add_replication_role(
    template: Template,
    logical_id: str,
    source_bucket_arn: AWSHelperFn,
    source_key_arn: AWSHelperFn,
    destination_bucket_arn: AWSHelperFn,
    destination_key_arn: AWSHelperFn,
) -> Role:
    """The role S3 replicates with: read the source's versions, write replicas to the
    destination, decrypt with the source key and encrypt with the destination key, each only
    through S3 and only under that bucket's encryption context (its ARN: S3 Bucket Keys)."""
    source_objects = Sub("${Arn}/*", Arn=source_bucket_arn)
    destination_objects = Sub("${Arn}/*", Arn=destination_bucket_arn)
    statements = [
        Statement(
            Sid="ReadSourceConfiguration",
            Effect=Allow,
            Action=[s3.GetReplicationConfiguration, s3.ListBucket],
            Resource=[source_bucket_arn],
        ),
        Statement(
            Sid="ReadSourceVersions",
            Effect=Allow,
            Action=[
                s3.GetObjectVersionForReplication,
                s3.GetObjectVersionAcl,
                s3.GetObjectVersionTagging,
                # the audit log is under Object Lock: its retention travels with each replica
                s3.GetObjectRetention,
                s3.GetObjectLegalHold,
            ],
            Resource=[source_objects],
        ),
        Statement(
            Sid="WriteReplicas",
            Effect=Allow,
            Action=[s3.ReplicateObject, s3.ReplicateTags],  # no delete markers replicate
            Resource=[destination_objects],
        ),
        # S3 Bucket Keys (BucketKeyEnabled on both audit-log buckets, tapstack_blocks/buckets.py)
        # make S3 call KMS with the *bucket* ARN as the aws:s3:arn encryption context, not the
        # object ARN, and S3 needs kms:Decrypt on the replica key to check the destination's
        # Bucket Key before use. AWS S3 User Guide, "Replicating encrypted objects", section
        # "S3 Bucket Keys and replication":
        # https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html#bk-replication
        # Bucket ARN only, no `bucket/*`: both buckets have had Bucket Keys since they were
        # created, so no object was encrypted under an object-ARN context (docs/security.md).
        Statement(
            Sid="DecryptSourceThroughS3",
            Effect=Allow,
            Action=[kms.Decrypt],
            Resource=[source_key_arn],
            Condition=Condition(
                StringEquals(
                    {
                        "kms:ViaService": Sub("s3.${AWS::Region}.amazonaws.com"),
                        "kms:EncryptionContext:aws:s3:arn": source_bucket_arn,
                    }
                )
            ),
        ),
        Statement(
            Sid="EncryptReplicasThroughS3",
            Effect=Allow,
            # Encrypt re-encrypts the replica, Decrypt checks the destination's Bucket Key, and
            # GenerateDataKey is the page's third KMS permission (objects S3 must encrypt anew
            # with the destination key).
            Action=[kms.Encrypt, kms.Decrypt, kms.GenerateDataKey],
            Resource=[destination_key_arn],
            Condition=Condition(
                StringEquals(
                    {
                        "kms:ViaService": Sub(
                            "s3.${Region}.amazonaws.com", Region=region_of(destination_key_arn)
                        ),
                        "kms:EncryptionContext:aws:s3:arn": destination_bucket_arn,
                    }
                )
            ),
        ),
    ]
    return template.add_resource(
        Role(
            logical_id,
            PermissionsBoundary=permissions_boundary_arn(),
            RoleName=resource_name(REPLICATION_ROLE),
            Metadata=scanner_metadata(INLINE_POLICY),
            AssumeRolePolicyDocument=service_trust_policy("s3.amazonaws.com"),
            Policies=[
                RolePolicy(
                    PolicyName="replicate",
                    PolicyDocument=Policy(Version="2012-10-17", Statement=statements),
                )
            ],
        )
    )


def replication_configuration(
    role: Role, destination_bucket_arn: AWSHelperFn, destination_key_arn: AWSHelperFn
) -> ReplicationConfiguration:
    """The bucket's ReplicationConfiguration: every version (no delete marker), to the
    destination bucket, re-encrypted with the destination key, under RTC."""
    rule = ReplicationConfigurationRules(
        Id="replicate-to-secondary-region",
        Status="Enabled",
        Priority=1,
        Filter=ReplicationRuleFilter(Prefix=""),
        # A delete in us-east-1 must not hide the replica's copy of an audit record.
        DeleteMarkerReplication=DeleteMarkerReplication(Status="Disabled"),
        SourceSelectionCriteria=SourceSelectionCriteria(
            SseKmsEncryptedObjects=SseKmsEncryptedObjects(Status="Enabled")
        ),
        Destination=ReplicationConfigurationRulesDestination(
            Bucket=destination_bucket_arn,
            EncryptionConfiguration=EncryptionConfiguration(ReplicaKmsKeyID=destination_key_arn),
            ReplicationTime=ReplicationTime(
                Status="Enabled", Time=ReplicationTimeValue(Minutes=RTC_MINUTES)
            ),
            Metrics=Metrics(
                Status="Enabled", EventThreshold=ReplicationTimeValue(Minutes=RTC_MINUTES)
            ),
        ),
    )
    return ReplicationConfiguration(Role=GetAtt(role, "Arn"), Rules=[rule])
