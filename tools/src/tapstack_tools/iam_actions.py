"""The IAM actions an API call needs: for a boto3 call read from source (`for_client_call`) and
for a call the local AWS journaled (`for_journaled_call`).

Most APIs authorize an operation as `{prefix}:{Operation}`. The exceptions this project meets
are listed here; an S3 operation not listed is refused (`UnmappedOperationError`) rather than
guessed, because S3 names its IAM actions after buckets and objects, not after its operations.
"""

from collections.abc import Iterable

import botocore.session

# boto3 client name / signing name -> IAM prefix, where they differ.
CLIENT_PREFIX = {"stepfunctions": "states"}
SIGNING_PREFIX = {"monitoring": "cloudwatch"}
# Operations IAM authorizes under another name.
RENAMED = {"lambda:Invoke": "lambda:InvokeFunction"}
# S3 API operation -> the IAM actions it needs (Amazon S3 User Guide, "Actions, resources and
# condition keys for Amazon S3").
S3_OPERATIONS = {
    "CreateBucket": ("s3:CreateBucket",),
    "DeleteObjects": ("s3:DeleteObject", "s3:DeleteObjectVersion"),
    "GetBucketLocation": ("s3:GetBucketLocation",),
    "GetObject": ("s3:GetObject",),
    "HeadBucket": ("s3:ListBucket",),
    "HeadObject": ("s3:GetObject",),
    "ListObjectVersions": ("s3:ListBucketVersions",),
    "PutObject": ("s3:PutObject",),
}
# Request options that need a permission of their own (boto3 parameter / x-amz header).
S3_OPTIONS = {"BypassGovernanceRetention": "s3:BypassGovernanceRetention"}
S3_OPTION_HEADERS = {"x-amz-bypass-governance-retention": "s3:BypassGovernanceRetention"}
# moto's names for S3 requests (moto/s3/responses.py ACTION_MAP) -> IAM actions, where they
# differ; `POST ?delete` (DeleteObjects) is journaled as DeleteObject.
MOTO_S3 = {
    "HeadBucket": ("s3:ListBucket",),
    "ListObjects": ("s3:ListBucket",),
    "ListObjectsV2": ("s3:ListBucket",),
    "ListBuckets": ("s3:ListAllMyBuckets",),
}


class UnmappedOperationError(LookupError):
    """An operation whose IAM actions this module does not know."""


def _operation_names(service: str) -> dict[str, str]:
    """{snake_case: OperationName} of a boto3 client."""
    model = botocore.session.get_session().get_service_model(service)
    return {botocore.xform_name(name): name for name in model.operation_names}


def for_client_call(
    service: str, operation: str, parameters: Iterable[str] = ()
) -> tuple[str, ...]:
    """The IAM actions of `client(service).operation(**parameters)` (snake_case operation)."""
    names = _operation_names(service)
    if operation not in names:
        raise UnmappedOperationError(f"boto3 {service} has no operation {operation}")
    name = names[operation]
    if service == "s3":
        if name not in S3_OPERATIONS:
            raise UnmappedOperationError(f"s3 {name}: list its IAM actions in S3_OPERATIONS")
        options = tuple(S3_OPTIONS[p] for p in sorted(parameters) if p in S3_OPTIONS)
        return S3_OPERATIONS[name] + options
    action = f"{CLIENT_PREFIX.get(service, service)}:{name}"
    return (RENAMED.get(action, action),)


def for_journaled_call(entry: dict) -> tuple[str, ...]:
    """The IAM actions of a call in the local AWS's journal (emulator behaviours.call_journal)."""
    service, action = entry["service"], entry["action"]
    if action is None:
        raise UnmappedOperationError(
            f"the local AWS served {entry['method']} {entry['resource']} ({service}) without "
            "naming its action"
        )
    if service != "s3":
        named = f"{SIGNING_PREFIX.get(service, service)}:{action}"
        return (RENAMED.get(named, named),)
    actions = MOTO_S3.get(action, (f"s3:{action}",))
    if entry["method"] == "POST" and "delete" in entry["query"]:
        actions = S3_OPERATIONS["DeleteObjects"]
    options = tuple(S3_OPTION_HEADERS[h] for h in entry["headers"] if h in S3_OPTION_HEADERS)
    return actions + options
