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

from moto.s3.models import FakeBucket, FakeDeleteMarker, FakeKey, S3Backend
from moto.s3.responses import S3Response

from tapstack_emulator.replication_copy import Replication, writing_replica
from tapstack_emulator.replication_role import ReplicationDeniedError
from tapstack_emulator.replication_rules import (
    replicates_delete_markers,
    rules_for,
    selects_kms_objects,
)

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


def replicate_version(backend: S3Backend, bucket: FakeBucket, key: FakeKey) -> None:
    """Replicate a new object version with every rule that selects it; set its status."""
    tags = backend.tagger.get_tag_dict_for_resource(key.arn)
    rules = rules_for(bucket.replication, key.name, tags)
    if key.encryption == "aws:kms":
        rules = [r for r in rules if selects_kms_objects(r)]
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
    if not writing_replica() and _replicating(self, bucket_name):
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
