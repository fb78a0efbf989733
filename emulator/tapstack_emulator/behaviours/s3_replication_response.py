"""GetBucketReplication answers the rules as they were put.

moto stores the whole replication configuration but answers every rule with
DeleteMarkerReplication Disabled, an empty filter and no SourceSelectionCriteria, whatever was
configured. Here the stored rules are answered as stored, as S3 does.
"""

from typing import Any

from moto.core.responses import ActionResult
from moto.s3.exceptions import ReplicationConfigurationNotFoundError
from moto.s3.responses import S3Response

ANSWERED = (
    "ID",
    "Priority",
    "Status",
    "Filter",
    "Prefix",
    "DeleteMarkerReplication",
    "SourceSelectionCriteria",
    "Destination",
    "ExistingObjectReplication",
)


def get_bucket_replication(self: S3Response) -> Any:
    """The stored replication configuration, rule fields as put."""
    self.data["Action"] = "GetBucketReplication"
    replication = self.backend.get_bucket_replication(self.bucket_name)
    if not replication:
        raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
    rules = [{key: rule[key] for key in ANSWERED if key in rule} for rule in replication["Rule"]]
    return self.serialized(
        ActionResult({"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}})
    )


def apply() -> None:
    """Replace moto's GetBucketReplication answer."""
    S3Response.get_bucket_replication = get_bucket_replication
