"""S3 replication copies new object versions and delete markers, as S3 does.

moto stores a bucket's replication configuration but never copies anything. Here, when a request
that wrote an object version (PutObject, CopyObject, CompleteMultipartUpload) or a delete marker
(DeleteObject without a version id) into a versioned bucket with a replication configuration
ends, each enabled rule whose filter selects the key (prefix, tags; the highest Priority per
destination) replicates it, as S3 does asynchronously:

- the replica keeps the version id, body, metadata, ACL, tags and last-modified time; its
  storage class is the rule's Destination.StorageClass or the source's;
- an SSE-KMS object is replicated only when the rule selects SseKmsEncryptedObjects, and its
  replica is SSE-KMS under Destination.EncryptionConfiguration.ReplicaKmsKeyID (with the
  destination bucket's S3 Bucket Key setting); other objects keep their encryption;
- HeadObject/GetObject answer ReplicationStatus COMPLETED (or FAILED) on the source and REPLICA
  on the replica; replicas are not replicated again; objects that existed before the
  configuration are not replicated (S3 needs Batch Replication for those);
- a delete marker is replicated only when the rule's DeleteMarkerReplication is Enabled (or the
  rule is a V1 rule without Filter); deleting a specific version is never replicated;
- the rule's role is checked as S3 checks it (`replication_role`); a failed check, a missing or
  unversioned destination, or an unusable key leaves the source FAILED and writes no replica
  (the reason goes to the server log).
"""

import logging
import threading
from dataclasses import dataclass
from typing import Any

from moto.s3.models import FakeBucket, FakeDeleteMarker, FakeKey, S3Backend, s3_backends
from moto.s3.responses import S3Response

from tapstack_emulator import replication_role
from tapstack_emulator.replication_role import ReplicationDeniedError

logger = logging.getLogger(__name__)

_moto_put_object = S3Backend.put_object
_moto_set_delete_marker = S3Backend._set_delete_marker
_moto_key_response = S3Response.key_response
_moto_bucket_response = S3Response.bucket_response
_moto_response_dict = FakeKey.response_dict
_request = threading.local()  # the versions the current request wrote, to replicate at its end


@dataclass(frozen=True)
class Written:
    """An object version or delete marker written into a bucket with replication."""

    backend: S3Backend
    bucket_name: str
    version: FakeKey | FakeDeleteMarker


def _pending() -> list[Written]:
    if not hasattr(_request, "pending"):
        _request.pending = []
    return _request.pending


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _enabled(element: Any) -> bool:
    return isinstance(element, dict) and element.get("Status") == "Enabled"


def _tag_filters(element: dict[str, Any]) -> dict[str, str]:
    """Tag conditions of a filter, in the API's (Tag) or CloudFormation's (TagFilter) shape."""
    tags = [
        tag
        for name in ("Tag", "Tags", "TagFilter", "TagFilters")
        for tag in _as_list(element.get(name))
    ]
    return {tag["Key"]: tag.get("Value") or "" for tag in tags}


def selects(rule: dict[str, Any], key_name: str, tags: dict[str, str]) -> bool:
    """True when the rule's filter (or V1 Prefix) selects the key with these tags."""
    if "Filter" not in rule:
        return key_name.startswith(rule.get("Prefix") or "")
    element = rule["Filter"] or {}
    element = element.get("And") or element
    wanted = _tag_filters(element)
    prefix = element.get("Prefix") or ""
    return key_name.startswith(prefix) and all(tags.get(k) == v for k, v in wanted.items())


def replicates_delete_markers(rule: dict[str, Any]) -> bool:
    """V2 rules (with Filter) replicate delete markers only when told to; V1 rules always."""
    return "Filter" not in rule or _enabled(rule.get("DeleteMarkerReplication"))


def rules_for(replication: dict[str, Any], key_name: str, tags: dict[str, str]) -> list[dict]:
    """The enabled rules that replicate the key: the highest Priority for each destination."""
    matching = [
        rule
        for rule in replication["Rule"]
        if rule.get("Status") == "Enabled" and selects(rule, key_name, tags)
    ]
    by_destination: dict[str, dict] = {}
    for rule in sorted(matching, key=lambda r: int(r.get("Priority") or 0)):
        by_destination[rule["Destination"]["Bucket"]] = rule
    return list(by_destination.values())


def _bucket_key(bucket: FakeBucket) -> bool:
    rule = (bucket.encryption or {}).get("Rule") or {}
    return str(rule.get("BucketKeyEnabled", False)).lower() == "true"


def _arn(bucket: FakeBucket, key_name: str | None = None) -> str:
    partition = bucket.arn.split(":")[1]
    return f"arn:{partition}:s3:::{bucket.name}" + (f"/{key_name}" if key_name else "")


@dataclass(frozen=True)
class Replication:
    """One rule replicating out of one source bucket, its role assumed."""

    source: FakeBucket
    rule: dict[str, Any]
    role: replication_role.ReplicationRole

    @classmethod
    def start(cls, source: FakeBucket, rule: dict[str, Any]) -> "Replication":
        """Assume the role and check the bucket-level permissions S3 needs."""
        role = replication_role.assume(source.replication["Role"], source.account_id, _arn(source))
        for action in ("s3:GetReplicationConfiguration", "s3:ListBucket"):
            replication_role.require_s3(role, action, _arn(source), source)
        return cls(source, rule, role)

    def destination(self) -> tuple[S3Backend, FakeBucket]:
        """The destination bucket (the rule's Account, else the source's), versioned."""
        target = self.rule["Destination"]
        name = target["Bucket"].rsplit(":", 1)[-1]
        account = target.get("Account") or self.source.account_id
        backend = s3_backends[account][self.source.arn.split(":")[1]]
        bucket = backend.buckets.get(name)
        if bucket is None:
            raise ReplicationDeniedError(f"destination bucket {name} does not exist")
        if not bucket.is_versioned:
            raise ReplicationDeniedError(
                f"destination bucket {name} does not have versioning enabled"
            )
        return backend, bucket

    def encryption(self, key: FakeKey, destination: FakeBucket) -> dict[str, Any]:
        """The replica's encryption, after the KMS permissions S3 needs for it."""
        if key.encryption != "aws:kms":
            return {"encryption": key.encryption, "kms_key_id": None, "bucket_key_enabled": None}
        source_context = (
            _arn(self.source) if _bucket_key(self.source) else _arn(self.source, key.name)
        )
        replication_role.require_kms(
            self.role, "kms:Decrypt", key.kms_key_id, self.source.region_name, source_context
        )
        replica_key = (self.rule["Destination"].get("EncryptionConfiguration") or {}).get(
            "ReplicaKmsKeyID"
        )
        if not replica_key:
            raise ReplicationDeniedError(
                "the rule selects SSE-KMS objects but has no ReplicaKmsKeyID"
            )
        bucket_key = _bucket_key(destination)
        context = _arn(destination) if bucket_key else _arn(destination, key.name)
        region = destination.region_name
        arn = replication_role.require_kms(self.role, "kms:Encrypt", replica_key, region, context)
        if bucket_key:  # S3 decrypts the destination's Bucket Key to check it before use
            replication_role.require_kms(self.role, "kms:Decrypt", replica_key, region, context)
        return {"encryption": "aws:kms", "kms_key_id": arn, "bucket_key_enabled": bucket_key}

    def copy(self, backend: S3Backend, key: FakeKey, tags: dict[str, str]) -> None:
        """Write the replica of `key` into the destination."""
        destination_backend, destination = self.destination()
        source_object, replica_object = _arn(self.source, key.name), _arn(destination, key.name)
        for action in ("s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl"):
            replication_role.require_s3(self.role, action, source_object, self.source)
        replication_role.require_s3(self.role, "s3:ReplicateObject", replica_object, destination)
        if tags:
            replication_role.require_s3(
                self.role, "s3:GetObjectVersionTagging", source_object, self.source
            )
            replication_role.require_s3(self.role, "s3:ReplicateTags", replica_object, destination)
        encryption = self.encryption(key, destination)
        if any(v.version_id == key.version_id for v in destination.keys.getlist(key.name, [])):
            return  # already replicated
        _request.writing_replica = True
        try:
            replica = destination_backend.put_object(
                destination.name,
                key.name,
                key.value,
                storage=self.rule["Destination"].get("StorageClass") or key.storage_class,
                multipart=key.multipart,
                disable_notification=True,
                **encryption,
            )
        finally:
            _request.writing_replica = False
        if encryption["kms_key_id"] is None:
            replica.kms_key_id, replica.bucket_key_enabled = None, None
        replica._version_id = key.version_id
        replica.last_modified = key.last_modified
        replica.set_metadata(dict(key.metadata))
        replica.set_acl(key.acl)
        replica.checksum_algorithm = key.checksum_algorithm
        replica.checksum_value, replica.checksum_type = key.checksum_value, key.checksum_type
        replica.website_redirect_location = key.website_redirect_location
        if tags:
            tagger = destination_backend.tagger
            tagger.tag_resource(replica.arn, tagger.convert_dict_to_tags_input(tags))
        replica.replication_status = "REPLICA"

    def copy_delete_marker(self, marker: FakeDeleteMarker) -> None:
        """Write a delete marker with the same version id into the destination."""
        _, destination = self.destination()
        replica_object = _arn(destination, marker.name)
        replication_role.require_s3(self.role, "s3:ReplicateDelete", replica_object, destination)
        versions = destination.keys.getlist(marker.name, [])
        if any(v.version_id == marker.version_id for v in versions):
            return
        replica = FakeDeleteMarker(key=versions[-1] if versions else marker.key)
        replica._version_id = marker.version_id
        replica.last_modified = marker.last_modified
        destination.keys[marker.name] = replica  # appends a version


def replicate_version(backend: S3Backend, bucket: FakeBucket, key: FakeKey) -> None:
    """Replicate a new object version with every rule that selects it; set its status."""
    tags = backend.tagger.get_tag_dict_for_resource(key.arn)
    rules = rules_for(bucket.replication, key.name, tags)
    if key.encryption == "aws:kms":
        rules = [r for r in rules if _selects_kms_objects(r)]
    if not rules:
        return
    key.replication_status = "PENDING"
    try:
        for rule in rules:
            Replication.start(bucket, rule).copy(backend, key, tags)
    except ReplicationDeniedError as denied:
        key.replication_status = "FAILED"
        logger.warning("replication of s3://%s/%s failed: %s", bucket.name, key.name, denied)
        return
    key.replication_status = "COMPLETED"


def _selects_kms_objects(rule: dict[str, Any]) -> bool:
    criteria = rule.get("SourceSelectionCriteria") or {}
    return _enabled(criteria.get("SseKmsEncryptedObjects"))


def replicate_delete_marker(bucket: FakeBucket, marker: FakeDeleteMarker) -> None:
    """Replicate a delete marker with every rule that selects it and replicates markers."""
    rules = rules_for(bucket.replication, marker.name, {})
    for rule in filter(replicates_delete_markers, rules):
        try:
            Replication.start(bucket, rule).copy_delete_marker(marker)
        except ReplicationDeniedError as denied:
            logger.warning(
                "replication of the delete marker of s3://%s/%s failed: %s",
                bucket.name,
                marker.name,
                denied,
            )


def replicate_pending() -> None:
    """Replicate what the current request wrote (the request has finished writing it)."""
    pending, _request.pending = _pending(), []
    for written in pending:
        bucket = written.backend.buckets.get(written.bucket_name)
        if bucket is None or not _replicating(written.backend, bucket.name):
            continue
        if isinstance(written.version, FakeDeleteMarker):
            replicate_delete_marker(bucket, written.version)
        else:
            replicate_version(written.backend, bucket, written.version)


def _replicating(backend: S3Backend, bucket_name: str) -> bool:
    bucket = backend.buckets.get(bucket_name)
    return bool(bucket is not None and bucket.is_versioned and getattr(bucket, "replication", None))


def put_object(self: S3Backend, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
    """moto's put_object; a new version in a replicating bucket is replicated at request end."""
    key = _moto_put_object(self, bucket_name, key_name, *args, **kwargs)
    if not getattr(_request, "writing_replica", False) and _replicating(self, bucket_name):
        _pending().append(Written(self, bucket_name, key))
    return key


def set_delete_marker(self: S3Backend, bucket_name: str, key_name: str) -> FakeDeleteMarker:
    """moto's delete marker; in a replicating bucket it is replicated at request end."""
    marker = _moto_set_delete_marker(self, bucket_name, key_name)
    if _replicating(self, bucket_name):
        _pending().append(Written(self, bucket_name, marker))
    return marker


def key_response(self: S3Response, *args: Any, **kwargs: Any) -> Any:
    """moto's object request, then replication of what it wrote."""
    try:
        return _moto_key_response(self, *args, **kwargs)
    finally:
        replicate_pending()


def bucket_response(self: S3Response, *args: Any, **kwargs: Any) -> Any:
    """moto's bucket request (DeleteObjects, POST uploads), then replication of what it wrote."""
    try:
        return _moto_bucket_response(self, *args, **kwargs)
    finally:
        replicate_pending()


def response_dict(self: FakeKey) -> dict[str, Any]:
    """moto's object headers plus x-amz-replication-status."""
    headers = _moto_response_dict.fget(self)
    status = getattr(self, "replication_status", None)
    if status:
        headers["x-amz-replication-status"] = status
    return headers


def apply() -> None:
    """Install replication into moto's S3."""
    S3Backend.put_object = put_object
    S3Backend._set_delete_marker = set_delete_marker
    S3Response.key_response = key_response
    S3Response.bucket_response = bucket_response
    FakeKey.response_dict = property(response_dict)
