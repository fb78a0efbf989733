"""E9005: a customer-managed key everywhere encryption is possible. Each type below stores data
and takes a key: the key must be given (the environment key, never an `alias/aws/...` AWS
managed key or the service's default). The one place a key is not possible: S3 delivers server
access logs only to a bucket encrypted with SSE-S3, so a bucket another bucket of the template
logs to is exempt (and must use AES256)."""

from typing import ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# resource type -> the path, inside Properties, of the key it is encrypted with
KEY_PATHS = {
    "AWS::S3::Bucket": (
        "BucketEncryption",
        "ServerSideEncryptionConfiguration",
        0,
        "ServerSideEncryptionByDefault",
        "KMSMasterKeyID",
    ),
    "AWS::Logs::LogGroup": ("KmsKeyId",),
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::DynamoDB::Table": ("SSESpecification", "KMSMasterKeyId"),
    "AWS::SecretsManager::Secret": ("KmsKeyId",),
    "AWS::ECR::Repository": ("EncryptionConfiguration", "KmsKey"),
    "AWS::Lambda::Function": ("KmsKeyArn",),
    "AWS::CloudTrail::Trail": ("KMSKeyId",),
}


def _access_log_destinations(resources: dict) -> set[str]:
    """Logical ids of the buckets that other buckets' LoggingConfiguration delivers to."""
    destinations = set()
    for resource in resources.values():
        logging = resource.get("Properties", {}).get("LoggingConfiguration", {})
        target = logging.get("DestinationBucketName") if isinstance(logging, dict) else None
        if isinstance(target, dict) and isinstance(target.get("Ref"), str):
            destinations.add(target["Ref"])
    return destinations


def _dig(value, path):
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and len(value) > step else None
        else:
            value = value.get(step) if isinstance(value, dict) else None
    return value


class CustomerManagedKeys(CloudFormationLintRule):
    """A resource that could be encrypted with the environment key and is not."""

    id = "E9005"
    shortdesc = "Customer-managed keys everywhere"
    description = "Data at rest is encrypted with a customer-managed KMS key"
    source_url = "docs/architecture.md#project-policy-as-cfn-lint-rules"
    tags: ClassVar[list[str]] = ["tapstack", "encryption", "kms"]

    def match(self, cfn):
        """Each resource of a type in KEY_PATHS without its key."""
        matches = []
        resources = cfn.template.get("Resources", {})
        access_logs = _access_log_destinations(resources)
        for logical_id, resource in resources.items():
            path = KEY_PATHS.get(resource.get("Type"))
            if path is None:
                continue
            if logical_id in access_logs:
                algorithm = _dig(resource.get("Properties", {}), (*path[:-1], "SSEAlgorithm"))
                if algorithm == "AES256":
                    continue
            key = _dig(resource.get("Properties", {}), path)
            where = ["Resources", logical_id, "Properties", *path]
            if key is None:
                message = f"{logical_id}: no customer-managed key ({'.'.join(map(str, path))})"
                matches.append(RuleMatch(where, message))
            elif isinstance(key, str) and key.startswith("alias/aws/"):
                matches.append(RuleMatch(where, f"{logical_id}: {key} is an AWS managed key"))
        return matches
