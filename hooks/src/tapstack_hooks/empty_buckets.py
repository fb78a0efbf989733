"""`!empty_buckets`: before a stack is deleted, empty the versioned buckets it owns.

CloudFormation cannot delete a bucket that still holds objects (or object versions), so a
stack whose buckets were used never tears down. Versions under Object Lock in governance mode
are deleted too (BypassGovernanceRetention: the stack's role needs
s3:BypassGovernanceRetention); compliance mode cannot be bypassed by anyone, so such a bucket
fails to empty, naming the objects. Configure it where a complete teardown is
wanted (dev, staging) and nowhere else:

    hooks:
      before_delete:
        - !empty_buckets [MigrationBucketName, AuditLogBucketName]   # the stack's outputs
"""

from typing import Annotated

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from sceptre.exceptions import InvalidHookArgumentSyntaxError, SceptreException
from sceptre.hooks import Hook

OutputName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,255}$")]
DELETE_BATCH = 1000  # the most DeleteObjects accepts


class BucketEmptyingError(SceptreException):
    """A bucket could not be emptied."""


class EmptyBucketsArguments(BaseModel):
    """The names of the stack outputs that hold bucket names."""

    model_config = ConfigDict(extra="forbid")

    outputs: list[OutputName]


class EmptyBuckets(Hook):
    """Delete every object version and delete marker of the stack's buckets."""

    def setup(self) -> None:
        """Parse the output names when Sceptre builds its plan."""
        try:
            self._arguments = EmptyBucketsArguments(outputs=self.argument)
        except ValidationError as err:
            raise InvalidHookArgumentSyntaxError(
                f"{self.stack.name}: !empty_buckets takes a list of the stack's output names "
                f"that hold bucket names. You gave {self.argument!r}."
            ) from err

    def run(self) -> None:
        """Empty each bucket named by the outputs; a stack or bucket already gone is fine."""
        outputs = self._stack_outputs()
        for output in self._arguments.outputs:
            bucket = outputs.get(output)
            if bucket is None:
                self.logger.info("%s: no output %s; nothing to empty", self.stack.name, output)
                continue
            removed = self._empty(bucket)
            self.logger.info("%s: emptied s3://%s (%d versions)", self.stack.name, bucket, removed)

    def _stack_outputs(self) -> dict[str, str]:
        try:
            response = self.stack.connection_manager.call(
                "cloudformation", "describe_stacks", {"StackName": self.stack.external_name}
            )
        except ClientError as err:
            if "does not exist" in str(err):
                return {}
            raise
        (stack,) = response["Stacks"]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def _empty(self, bucket: str) -> int:
        removed = 0
        marker: dict[str, str] = {}
        while True:
            try:
                page = self.stack.connection_manager.call(
                    "s3", "list_object_versions", {"Bucket": bucket, **marker}
                )
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") == "NoSuchBucket":
                    return removed
                raise BucketEmptyingError(
                    f"{self.stack.name}: cannot list s3://{bucket}: {err}"
                ) from err
            versions = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for start in range(0, len(versions), DELETE_BATCH):
                self._delete(bucket, versions[start : start + DELETE_BATCH])
            removed += len(versions)
            if not page.get("IsTruncated"):
                return removed
            marker = {
                "KeyMarker": page["NextKeyMarker"],
                "VersionIdMarker": page["NextVersionIdMarker"],
            }

    def _delete(self, bucket: str, versions: list[dict[str, str]]) -> None:
        response = self.stack.connection_manager.call(
            "s3",
            "delete_objects",
            # Object Lock in governance mode (the audit log) yields to the permission made
            # for this, s3:BypassGovernanceRetention; compliance mode never does.
            {
                "Bucket": bucket,
                "Delete": {"Objects": versions, "Quiet": True},
                "BypassGovernanceRetention": True,
            },
        )
        if response.get("Errors"):
            first = response["Errors"][0]
            raise BucketEmptyingError(
                f"{self.stack.name}: cannot delete {len(response['Errors'])} object(s) in "
                f"s3://{bucket}, e.g. {first.get('Key')}: {first.get('Message')}"
            )
