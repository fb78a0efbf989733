"""The regional baseline: what every region of an environment has before any other stack.

Rolled out by the StackSet of the global group (templates/stackset.py) to each region it
targets, so every region gets the same baseline from one template:
- a customer-managed key (`alias/tapstack-baseline-{env}`) for the baseline's own data;
- the audit-trail bucket: the destination of account-level audit logs (CloudTrail), private,
  versioned, SSE-KMS, TLS-only, writable by CloudTrail for this account only;
- the region's baseline ECR repository `tapstack-baseline-{env}-{suffix}` (scan on push,
  immutable tags, KMS, last N images kept): a hardened home for tapstack's container images
  that exists in every region from day one (the validator keeps its own `registry` stack,
  whose repository name it would collide with);
- `/tapstack/{env}/db/writer-dns`: the stable Route 53 name of the database writer, which
  Lambdas read from SSM in whichever region they run.
"""

import json

from awacs import kms
from awacs import s3 as s3_actions
from awacs.aws import (
    Allow,
    Condition,
    Policy,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import GetAtt, Ref, Sub, Template
from troposphere.ecr import (
    EncryptionConfiguration,
    ImageScanningConfiguration,
    LifecyclePolicy,
    Repository,
)
from troposphere.s3 import BucketPolicy
from troposphere.ssm import Parameter as SsmParameter

from tapstack_blocks.audit_trail import cloudtrail_bucket_statements, cloudtrail_key_statement
from tapstack_blocks.buckets import add_private_bucket
from tapstack_blocks.customer_managed_key import KeySpec, add_customer_managed_key
from tapstack_blocks.kms_policy import ADMIN_ACTIONS, USE_ACTIONS, key_policy
from tapstack_blocks.naming import (
    PROJECT,
    global_resource_name,
    resource_name,
    writer_dns_name,
    writer_dns_parameter,
)
from tapstack_blocks.outputs import add_exported_output
from tapstack_blocks.parameters import add_environment_parameters
from tapstack_blocks.tags import name_tags
from tapstack_blocks.tls_only import bucket_and_objects, deny_insecure_transport

AUDIT_TRAIL_NONCURRENT_DAYS = 365
KEPT_IMAGES = 30
KEY_DELETION_WINDOW_DAYS = 30
EXECUTION_ROLE = f"{PROJECT}-stackset-execution"


def execution_role_arn() -> Sub:
    """The StackSet execution role of this account (it creates the baseline, so it must be
    able to administer the key it creates)."""
    return Sub(
        f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{EXECUTION_ROLE}-"
        "${EnvironmentName}"
    )


def _baseline_key_policy() -> Policy:
    return key_policy(
        [
            Statement(
                Sid="KeyAdministrationByStackSetExecution",
                Effect=Allow,
                Principal=Principal("AWS", execution_role_arn()),
                Action=[*ADMIN_ACTIONS, *USE_ACTIONS, kms.CreateGrant],
                Resource=["*"],  # in a key policy "*" means this key
            ),
            cloudtrail_key_statement(),
        ]
    )


def _audit_trail_policy(bucket) -> Policy:
    bucket_arn = GetAtt(bucket, "Arn")
    return Policy(
        Version="2012-10-17",
        Statement=[
            deny_insecure_transport([s3_actions.Action("*")], bucket_and_objects(bucket_arn)),
            # every trail of this account may deliver to its region's bucket
            *cloudtrail_bucket_statements(
                bucket_arn,
                Condition(StringEquals("aws:SourceAccount", Sub("${AWS::AccountId}"))),
            ),
        ],
    )


def _lifecycle_policy() -> str:
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"keep the last {KEPT_IMAGES} images",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": KEPT_IMAGES,
                    },
                    "action": {"type": "expire"},
                }
            ]
        },
        sort_keys=True,
    )


def build_baseline() -> Template:
    """The baseline template every region of the environment gets through the StackSet."""
    template = Template(
        Description="tapstack regional baseline (StackSet): key, audit-trail bucket, image "
        "repository, writer DNS name"
    )
    environment, _suffix = add_environment_parameters(template)
    key, _alias = add_customer_managed_key(
        template,
        KeySpec(
            logical_id="BaselineKey",
            resource="baseline-key",
            alias="tapstack-baseline",
            description=Sub("tapstack ${EnvironmentName} regional baseline: audit trail, images"),
            policy=_baseline_key_policy(),
            pending_window_days=KEY_DELETION_WINDOW_DAYS,
        ),
        Ref(environment),
    )
    key_arn = GetAtt(key, "Arn")
    bucket = add_private_bucket(
        template,
        "AuditTrailBucket",
        global_resource_name("audit-trail"),
        key_arn,
        AUDIT_TRAIL_NONCURRENT_DAYS,
        unreplicated_because="The StackSet gives every region of the environment its own "
        "audit-trail bucket; a region's trail stays in its region.",
    )
    template.add_resource(
        BucketPolicy(
            "AuditTrailBucketPolicy",
            Bucket=Ref(bucket),
            PolicyDocument=_audit_trail_policy(bucket),
        )
    )
    repository = template.add_resource(
        Repository(
            "BaselineRepository",
            RepositoryName=resource_name("baseline"),
            ImageScanningConfiguration=ImageScanningConfiguration(ScanOnPush=True),
            ImageTagMutability="IMMUTABLE",
            EncryptionConfiguration=EncryptionConfiguration(EncryptionType="KMS", KmsKey=key_arn),
            LifecyclePolicy=LifecyclePolicy(LifecyclePolicyText=_lifecycle_policy()),
            EmptyOnDelete=True,  # images are rebuilt from the repository's sources
            Tags=name_tags(resource_name("baseline")),
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
    )
    template.add_resource(
        SsmParameter(
            "WriterDnsParameter",
            Name=writer_dns_parameter(),
            Type="String",
            Value=writer_dns_name(),
            Description="Stable Route 53 name of the database writer (failover records)",
        )
    )
    add_exported_output(template, "BaselineKeyArn", key_arn, "ARN of the baseline key")
    add_exported_output(
        template, "AuditTrailBucketName", Ref(bucket), "Audit-trail bucket of this region"
    )
    add_exported_output(
        template, "BaselineRepositoryName", Ref(repository), "The region's baseline repository"
    )
    add_exported_output(
        template,
        "BaselineRepositoryUri",
        GetAtt(repository, "RepositoryUri"),
        "URI of the region's baseline ECR repository",
    )
    return template
