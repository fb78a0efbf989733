"""One replication rule at work: assume its role, check the permissions S3 checks, and write
the replica of an object version or delete marker into the destination bucket."""

import threading
from dataclasses import dataclass
from typing import Any

from moto.s3.models import FakeBucket, FakeDeleteMarker, FakeKey, S3Backend, s3_backends

from tapstack_emulator import replication_role
from tapstack_emulator.replication_role import ReplicationDeniedError

_writing = threading.local()  # whether this thread is writing a replica (not replicated again)


def writing_replica() -> bool:
    """Whether the current thread is writing a replica."""
    return getattr(_writing, "replica", False)


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
        _writing.replica = True
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
            _writing.replica = False
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
