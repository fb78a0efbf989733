"""The account's CloudTrail trail, delivered into the audit-log bucket.

One trail per account, in its home region's storage stack (multi-region in prod, so eu-west-1
is recorded too): management events, read and write (KMS and Secrets Manager calls, the
decrypts and secret reads included, are management events), S3 data events on the project's
other buckets (not the audit-log bucket itself: its own deliveries would be recorded without
end), log file validation, encrypted with the environment key, and a copy in CloudWatch Logs
for alarms. The bucket keeps every log file a year under Object Lock (storage.py).
"""

from typing import Literal

from awacs import kms, logs
from awacs import s3 as s3_actions
from awacs.aws import Allow, ArnLike, Condition, Policy, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from troposphere import AWSHelperFn, GetAtt, Sub, Template
from troposphere.cloudtrail import DataResource, EventSelector, Trail

from tapstack_blocks.delivered_logs import LogDelivery, LogStorage, add_delivered_log_group
from tapstack_blocks.naming import resource_name
from tapstack_blocks.suppressions import (
    add_suppressions,
)
from tapstack_blocks.tags import name_tags

TrailScope = Literal["none", "regional", "multi-region"]
TRAIL = "trail"


def trail_arn() -> Sub:
    """This account's trail, `tapstack-trail-{env}-{suffix}`, in the stack's region."""
    return Sub(
        "arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${Name}",
        Name=resource_name(TRAIL),
    )


def cloudtrail_key_statement() -> Statement:
    """For the environment key's policy: CloudTrail encrypts this account's trails with it."""
    return Statement(
        Sid="CloudTrailOfThisAccount",
        Effect=Allow,
        Principal=Principal("Service", "cloudtrail.amazonaws.com"),
        Action=[kms.GenerateDataKey, kms.DescribeKey],
        Resource=["*"],
        Condition=Condition(
            [
                StringEquals("aws:SourceAccount", Sub("${AWS::AccountId}")),
                ArnLike(
                    "kms:EncryptionContext:aws:cloudtrail:arn",
                    Sub("arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*"),
                ),
            ]
        ),
    )


def cloudtrail_bucket_statements(
    bucket_arn: AWSHelperFn, from_the_trail: Condition | None = None
) -> list[Statement]:
    """For an audit-log bucket's policy: CloudTrail may check it and write there, for this
    stack's trail (or as `from_the_trail` narrows it)."""
    if from_the_trail is None:
        from_the_trail = Condition(StringEquals("aws:SourceArn", trail_arn()))
    return [
        Statement(
            Sid="CloudTrailAclCheck",
            Effect=Allow,
            Principal=Principal("Service", "cloudtrail.amazonaws.com"),
            Action=[s3_actions.GetBucketAcl],
            Resource=[bucket_arn],
            Condition=from_the_trail,
        ),
        Statement(
            Sid="CloudTrailWritesThisAccountsLogs",
            Effect=Allow,
            Principal=Principal("Service", "cloudtrail.amazonaws.com"),
            Action=[s3_actions.PutObject],
            Resource=[Sub("${Arn}/AWSLogs/${AWS::AccountId}/*", Arn=bucket_arn)],
            Condition=from_the_trail,
        ),
    ]


def _cloudtrail_trust() -> Policy:
    """CloudTrail may assume the delivery role for this stack's trail only."""
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Service", "cloudtrail.amazonaws.com"),
                Action=[AssumeRole],
                Condition=Condition(StringEquals("aws:SourceArn", trail_arn())),
            )
        ],
    )


def add_audit_trail(
    template: Template,
    scope: TrailScope,
    bucket: AWSHelperFn,
    data_event_bucket_arns: list[AWSHelperFn],
    kms_key_arn: AWSHelperFn,
    retention_days: AWSHelperFn,
    depends_on: list[str],
    protect_data: bool = False,
) -> Trail:
    """The trail (after `depends_on`: the bucket policy it needs), its log group and role."""
    log_group, role = add_delivered_log_group(
        template,
        LogDelivery(
            log_group_id="AuditTrailLogGroup",
            log_group="cloudtrail",
            role_id="AuditTrailLogRole",
            trust=_cloudtrail_trust(),
            policy_name="deliver-to-its-log-group",
            actions=[logs.CreateLogStream, logs.PutLogEvents],
            resources=lambda group_arn: [Sub("${Arn}:log-stream:*", Arn=group_arn)],
        ),
        LogStorage(kms_key_arn, retention_days, protect_data),
    )
    exceptions = {
        "CLOUD_TRAIL_ENCRYPTION_ENABLED": "KMSKeyId is the environment key (Ref KmsKeyArn), "
        "which Guard cannot resolve to the string it checks for.",
        "CLOUDTRAIL_S3_DATAEVENTS_ENABLED": "Data events are recorded for the project's "
        "buckets by ARN, not for every bucket of the account ('arn:aws:s3:::') as the rule "
        "asks, and not for the audit-log bucket it delivers to (a loop).",
    }
    checkov = {}
    if scope != "multi-region":
        single_region = (
            "dev and staging run in one region (us-east-1) and their trail records it; prod's "
            "trail is multi-region."
        )
        exceptions["MULTI_REGION_CLOUD_TRAIL_ENABLED"] = single_region
        checkov["CKV_AWS_67"] = single_region
    trail = Trail(
        "AuditTrail",
        DependsOn=depends_on,
        TrailName=resource_name(TRAIL),
        S3BucketName=bucket,
        IsLogging=True,
        IsMultiRegionTrail=scope == "multi-region",
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        KMSKeyId=kms_key_arn,
        CloudWatchLogsLogGroupArn=GetAtt(log_group, "Arn"),
        CloudWatchLogsRoleArn=GetAtt(role, "Arn"),
        EventSelectors=[
            EventSelector(
                IncludeManagementEvents=True,
                ReadWriteType="All",
                DataResources=[
                    DataResource(
                        Type="AWS::S3::Object",
                        Values=[Sub("${Arn}/", Arn=arn) for arn in data_event_bucket_arns],
                    )
                ],
            )
        ],
        Tags=name_tags(resource_name(TRAIL)),
    )
    return template.add_resource(add_suppressions(trail, checkov=checkov, guard=exceptions))
