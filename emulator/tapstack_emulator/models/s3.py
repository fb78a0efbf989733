"""AWS::S3::Bucket with every property the templates use, and AWS::S3::BucketPolicy.

moto's bucket model applies only BucketEncryption (dropping BucketKeyEnabled) and Tags, and
moto has no BucketPolicy model at all (it silently skips the resource). Object Lock (with its
default retention) is applied through moto's own PutObjectLockConfiguration, which enforces
it on deletes.
"""

import json
from typing import Any, ClassVar

from moto.s3.models import S3Backend, s3_backends
from moto.utilities.utils import get_partition

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register


def backend(scope: Scope) -> S3Backend:
    """The account's S3 backend."""
    return s3_backends[scope.account_id][get_partition(scope.region_name)]


def encryption(properties: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation BucketEncryption -> what moto stores for PutBucketEncryption."""
    (rule,) = properties["ServerSideEncryptionConfiguration"]
    default = rule["ServerSideEncryptionByDefault"]
    applied = {"SSEAlgorithm": default["SSEAlgorithm"]}
    if default.get("KMSMasterKeyID"):
        applied["KMSMasterKeyID"] = default["KMSMasterKeyID"]
    return {
        "Rule": {
            "ApplyServerSideEncryptionByDefault": applied,
            "BucketKeyEnabled": bool(rule.get("BucketKeyEnabled", False)),
        }
    }


def lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """One CloudFormation lifecycle Rule -> the PutBucketLifecycleConfiguration rule."""
    api: dict[str, Any] = {"ID": rule.get("Id"), "Status": rule["Status"]}
    api["Filter"] = {"Prefix": rule.get("Prefix", "")}
    expiration = {}
    if "ExpirationInDays" in rule:
        expiration["Days"] = int(rule["ExpirationInDays"])
    if "ExpirationDate" in rule:
        expiration["Date"] = rule["ExpirationDate"]
    if "ExpiredObjectDeleteMarker" in rule:
        expiration["ExpiredObjectDeleteMarker"] = rule["ExpiredObjectDeleteMarker"]
    if expiration:
        api["Expiration"] = expiration
    noncurrent = rule.get("NoncurrentVersionExpiration")
    if noncurrent is None and "NoncurrentVersionExpirationInDays" in rule:
        noncurrent = {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]}
    if noncurrent is not None:
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(noncurrent["NoncurrentDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        days = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        api["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(days)}
    transitions = [
        {
            "Days": t.get("TransitionInDays"),
            "Date": t.get("TransitionDate"),
            "StorageClass": t["StorageClass"],
        }
        for t in rule.get("Transitions", [])
    ]
    if transitions:
        api["Transition"] = transitions
    return api


def replication_configuration(replication: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation ReplicationConfiguration -> what moto stores for PutBucketReplication
    (objects are then replicated by `behaviours/s3_object_replication.py`)."""
    rules = []
    for rule in replication["Rules"]:
        api = {key: value for key, value in rule.items() if key != "Id"}
        api["ID"] = rule.get("Id", "")
        rules.append(api)
    return {"Role": replication["Role"], "Rule": rules}


def check_replication_destinations(s3: S3Backend, replication: dict[str, Any]) -> None:
    """S3 refuses replication to a bucket that does not exist or is not versioned."""
    for rule in replication["Rules"]:
        destination = rule["Destination"]["Bucket"].rsplit(":", 1)[-1]
        bucket = s3.buckets.get(destination)
        if bucket is None:
            raise ValueError(f"Destination bucket must exist: {destination}")
        if bucket.versioning_status != "Enabled":
            raise ValueError(f"Destination bucket must have versioning enabled: {destination}")


@register
class Bucket(EmulatedResource):
    """AWS::S3::Bucket: create the bucket, then apply each declared configuration."""

    TYPE = "AWS::S3::Bucket"
    NAME_PROPERTY = "BucketName"
    ATTRIBUTES: ClassVar[dict[str, str]] = {
        "Arn": "arn",
        "DomainName": "domain_name",
        "RegionalDomainName": "regional_domain_name",
        "DualStackDomainName": "dual_stack_domain_name",
        "WebsiteURL": "website_url",
    }

    @property
    def arn(self) -> str:
        return f"arn:{get_partition(self.scope.region_name)}:s3:::{self.physical_id}"

    @property
    def domain_name(self) -> str:
        return f"{self.physical_id}.s3.amazonaws.com"

    @property
    def regional_domain_name(self) -> str:
        return f"{self.physical_id}.s3.{self.scope.region_name}.amazonaws.com"

    @property
    def dual_stack_domain_name(self) -> str:
        return f"{self.physical_id}.s3.dualstack.{self.scope.region_name}.amazonaws.com"

    @property
    def website_url(self) -> str:
        return f"http://{self.physical_id}.s3-website.{self.scope.region_name}.amazonaws.com"

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Bucket":
        backend(scope).create_bucket(name, scope.region_name)
        bucket = cls(scope, name, {})
        try:
            bucket.configure(properties)
        except Exception:
            backend(scope).delete_bucket(name)
            raise
        return bucket

    def update(self, properties: dict[str, Any], new_name: str) -> "Bucket":
        self.configure(properties)
        return self

    def configure(self, properties: dict[str, Any]) -> None:
        """Make the bucket's configuration exactly what `properties` declare."""
        s3, name = backend(self.scope), self.physical_id
        versioning = properties.get("VersioningConfiguration")
        if versioning is not None:
            s3.put_bucket_versioning(name, versioning["Status"])
        elif self.properties.get("VersioningConfiguration") is not None:
            s3.put_bucket_versioning(name, "Suspended")  # versioning can only be suspended

        lock = properties.get("ObjectLockConfiguration")
        if lock and lock != self.properties.get("ObjectLockConfiguration"):
            # Object Lock with its default retention, as S3 applies it to each new version
            retention = (lock.get("Rule") or {}).get("DefaultRetention") or {}
            s3.put_object_lock_configuration(
                name,
                str(properties.get("ObjectLockEnabled", "true")).lower() == "true",
                retention.get("Mode"),
                int(retention["Days"]) if "Days" in retention else None,
                int(retention["Years"]) if "Years" in retention else None,
            )

        if "BucketEncryption" in properties:
            s3.put_bucket_encryption(name, encryption(properties["BucketEncryption"]))
        else:
            s3.delete_bucket_encryption(name)

        rules = (properties.get("LifecycleConfiguration") or {}).get("Rules")
        if rules:
            s3.put_bucket_lifecycle_configuration(name, [lifecycle_rule(r) for r in rules])
        else:
            s3.delete_bucket_lifecycle(name)

        block = properties.get("PublicAccessBlockConfiguration")
        if block:
            s3.put_public_access_block(name, block)
        else:
            s3.delete_public_access_block(name)

        ownership = (properties.get("OwnershipControls") or {}).get("Rules")
        if ownership:
            s3.put_bucket_ownership_controls(name, ownership[0]["ObjectOwnership"])
        else:
            s3.delete_bucket_ownership_controls(name)

        logging = properties.get("LoggingConfiguration")
        if logging is not None:
            target = {
                "TargetBucket": logging.get("DestinationBucketName", name),
                "TargetPrefix": logging.get("LogFilePrefix", ""),
            }
            s3.put_bucket_logging(name, target)
        else:
            s3.put_bucket_logging(name, {})

        replication = properties.get("ReplicationConfiguration")
        if replication:
            if s3.get_bucket(name).versioning_status != "Enabled":
                # S3's own check (moto makes it on PutBucketReplication, not here).
                raise ValueError(
                    f"Versioning must be 'Enabled' on the bucket to apply a replication "
                    f"configuration: {name}"
                )
            check_replication_destinations(s3, replication)
            s3.put_bucket_replication(name, replication_configuration(replication))
        elif self.properties.get("ReplicationConfiguration"):
            s3.delete_bucket_replication(name)

        tags = {tag["Key"]: tag["Value"] for tag in properties.get("Tags", [])}
        if tags:
            s3.put_bucket_tagging(name, tags)
        else:
            s3.delete_bucket_tagging(name)
        self.properties = properties

    def destroy(self) -> None:
        s3 = backend(self.scope)
        if self.physical_id not in s3.buckets:
            return
        if s3.delete_bucket(self.physical_id) is None:
            raise BucketNotEmptyError(self.physical_id)


class BucketNotEmptyError(RuntimeError):
    """CloudFormation cannot delete a bucket that still holds objects."""

    def __init__(self, name: str) -> None:
        super().__init__(f"The bucket you tried to delete is not empty: {name}")


@register
class BucketPolicy(EmulatedResource):
    """AWS::S3::BucketPolicy: PutBucketPolicy with the document as JSON text."""

    TYPE = "AWS::S3::BucketPolicy"
    REPLACED_BY = ("Bucket",)

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "BucketPolicy":
        bucket = properties["Bucket"]
        document = properties["PolicyDocument"]
        text = document if isinstance(document, str) else json.dumps(document)
        backend(scope).put_bucket_policy(bucket, text.encode())
        # CloudFormation reports the bucket name as the policy's physical id.
        return cls(scope, bucket, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> "BucketPolicy":
        return type(self).create(self.scope, new_name, properties)  # PutBucketPolicy overwrites

    def destroy(self) -> None:
        s3 = backend(self.scope)
        if self.physical_id in s3.buckets:
            s3.delete_bucket_policy(self.physical_id)
