"""S3 cross-region replication: the least-privilege replication role and the rule set.

The rule replicates every object version and delete marker, re-encrypts replicas with the
destination region's key, and turns on Replication Time Control (15-minute SLA, with metrics).
"""

from awacs import kms, s3
from awacs.aws import Allow, Condition, Policy, Statement, StringEquals, StringLike
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

from tapstack_blocks.iam import service_trust_policy

# Replication Time Control: AWS's SLA is 15 minutes, and 15 is the only value S3 accepts.
RTC_MINUTES = 15


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
    through S3 for those buckets."""
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
            ],
            Resource=[source_objects],
        ),
        Statement(
            Sid="WriteReplicas",
            Effect=Allow,
            Action=[s3.ReplicateObject, s3.ReplicateDelete, s3.ReplicateTags],
            Resource=[destination_objects],
        ),
        Statement(
            Sid="DecryptSourceThroughS3",
            Effect=Allow,
            Action=[kms.Decrypt],
            Resource=[source_key_arn],
            Condition=Condition(
                [
                    StringEquals("kms:ViaService", Sub("s3.${AWS::Region}.amazonaws.com")),
                    StringLike("kms:EncryptionContext:aws:s3:arn", [source_objects]),
                ]
            ),
        ),
        Statement(
            Sid="EncryptReplicasThroughS3",
            Effect=Allow,
            Action=[kms.Encrypt, kms.GenerateDataKey],
            Resource=[destination_key_arn],
            Condition=Condition(
                [
                    StringEquals(
                        "kms:ViaService",
                        Sub(
                            "s3.${Region}.amazonaws.com",
                            Region=region_of(destination_key_arn),
                        ),
                    ),
                    StringLike("kms:EncryptionContext:aws:s3:arn", [destination_objects]),
                ]
            ),
        ),
    ]
    return template.add_resource(
        Role(
            logical_id,
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
    """The bucket's ReplicationConfiguration: every version and delete marker, to the
    destination bucket, re-encrypted with the destination key, under RTC."""
    rule = ReplicationConfigurationRules(
        Id="replicate-to-secondary-region",
        Status="Enabled",
        Priority=1,
        Filter=ReplicationRuleFilter(Prefix=""),
        DeleteMarkerReplication=DeleteMarkerReplication(Status="Enabled"),
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
