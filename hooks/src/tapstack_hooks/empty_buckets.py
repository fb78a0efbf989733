"""`!empty_buckets`: before a stack is deleted, empty the versioned buckets it owns.

CloudFormation cannot delete a bucket that still holds objects (or object versions), so a
stack whose buckets were used never tears down. Versions under Object Lock in governance mode
are deleted too (BypassGovernanceRetention: the stack's role needs
s3:BypassGovernanceRetention); compliance mode cannot be bypassed by anyone, so such a bucket
fails to empty, naming the objects. Configure it where a complete teardown is wanted (dev,
staging) and nowhere else:

    hooks:
      before_delete:
        - !empty_buckets [MigrationBucketName, AuditLogBucketName]   # the stack's outputs

It deletes data, so it refuses everything it is not sure of, before deleting anything: any hook
point but before_delete (when Sceptre builds its plan), an output the stack lacks, and an output
whose value is not an `AWS::S3::Bucket` of this very stack (so never another stack's or another
account's bucket). Every request names the stack's account as the bucket's expected owner.
"""

import re
from typing import Any

from botocore.exceptions import ClientError
from sceptre.exceptions import SceptreException
from sceptre.hooks import Hook

from tapstack_hooks.arguments import refuse, shown
from tapstack_hooks.hook_points import check_placement

TAG = "empty_buckets"
POINTS = ("before_delete",)
USAGE = "a list of the stack's output names whose values are its buckets, e.g. [LogBucketName]"
OUTPUT_NAME = re.compile(r"^[A-Za-z0-9]{1,255}$")
DELETE_BATCH = 1000  # the most DeleteObjects accepts
BUCKET_TYPE = "AWS::S3::Bucket"


class BucketEmptyingError(SceptreException):
    """A bucket could not be emptied, or is not one this hook may empty."""


class EmptyBuckets(Hook):
    """Delete every object version and delete marker of the stack's own buckets."""

    def setup(self) -> None:
        """Parse the output names and check the hook point when Sceptre builds its plan."""
        check_placement(self, TAG, POINTS, running=False)
        argument = self._argument
        if not isinstance(argument, list) or not argument:
            refuse(self, TAG, "the argument must be a non-empty list", USAGE)
        bad = [item for item in argument if not (isinstance(item, str) and OUTPUT_NAME.match(item))]
        if bad:
            refuse(self, TAG, f"not output names (letters and digits): {shown(bad)}", USAGE)
        self._outputs: list[str] = argument

    def run(self) -> None:
        """Empty each bucket named by the outputs; a stack that is already gone is fine."""
        check_placement(self, TAG, POINTS, running=True)
        stack = self._describe_stack()
        if stack is None:
            self.logger.info("the stack does not exist: nothing to empty")
            return
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        missing = [name for name in self._outputs if name not in outputs]
        if missing:
            raise BucketEmptyingError(
                f"{self.stack.name}: !{TAG}: the stack has no output {', '.join(missing)} "
                f"(its outputs: {', '.join(sorted(outputs)) or 'none'}); nothing was emptied"
            )
        buckets = self._own_buckets()
        owner = stack["StackId"].split(":")[4]
        named = {name: outputs[name] for name in self._outputs}
        foreign = {name: value for name, value in named.items() if value not in buckets}
        if foreign:
            listed = ", ".join(f"{name} = {value!r}" for name, value in foreign.items())
            raise BucketEmptyingError(
                f"{self.stack.name}: !{TAG}: {listed} is not an {BUCKET_TYPE} of this stack "
                f"(its buckets: {', '.join(sorted(buckets)) or 'none'}); nothing was emptied"
            )
        for output, bucket in named.items():
            if buckets[bucket] == "DELETE_COMPLETE":
                self.logger.info("s3://%s (%s) is already deleted", bucket, output)
                continue
            removed = self._empty(bucket, owner)
            self.logger.info("emptied s3://%s (%s): %d versions", bucket, output, removed)

    def _describe_stack(self) -> dict[str, Any] | None:
        try:
            response = self.stack.connection_manager.call(
                "cloudformation", "describe_stacks", {"StackName": self.stack.external_name}
            )
        except ClientError as err:
            if "does not exist" in str(err):
                return None
            raise
        (stack,) = response["Stacks"]
        return stack

    def _own_buckets(self) -> dict[str, str]:
        """{bucket name: resource status} of the stack's AWS::S3::Bucket resources."""
        buckets: dict[str, str] = {}
        request: dict[str, str] = {"StackName": self.stack.external_name}
        while True:
            page = self.stack.connection_manager.call(
                "cloudformation", "list_stack_resources", request
            )
            for resource in page.get("StackResourceSummaries", []):
                if resource["ResourceType"] == BUCKET_TYPE and resource.get("PhysicalResourceId"):
                    buckets[resource["PhysicalResourceId"]] = resource.get("ResourceStatus", "")
            if not page.get("NextToken"):
                return buckets
            request["NextToken"] = page["NextToken"]

    def _empty(self, bucket: str, owner: str) -> int:
        removed = 0
        marker: dict[str, str] = {}
        while True:
            try:
                page = self.stack.connection_manager.call(
                    "s3",
                    "list_object_versions",
                    {"Bucket": bucket, "ExpectedBucketOwner": owner, **marker},
                )
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") == "NoSuchBucket":
                    return removed  # deleted since the stack listed it
                raise BucketEmptyingError(
                    f"{self.stack.name}: cannot list s3://{bucket}: {err}"
                ) from err
            versions = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for start in range(0, len(versions), DELETE_BATCH):
                self._delete(bucket, owner, versions[start : start + DELETE_BATCH])
            removed += len(versions)
            if not page.get("IsTruncated"):
                return removed
            marker = {
                "KeyMarker": page["NextKeyMarker"],
                "VersionIdMarker": page["NextVersionIdMarker"],
            }

    def _delete(self, bucket: str, owner: str, versions: list[dict[str, str]]) -> None:
        response = self.stack.connection_manager.call(
            "s3",
            "delete_objects",
            # Object Lock in governance mode (the audit log) yields to the permission made
            # for this, s3:BypassGovernanceRetention; compliance mode never does.
            {
                "Bucket": bucket,
                "Delete": {"Objects": versions, "Quiet": True},
                "BypassGovernanceRetention": True,
                "ExpectedBucketOwner": owner,
            },
        )
        if response.get("Errors"):
            first = response["Errors"][0]
            raise BucketEmptyingError(
                f"{self.stack.name}: cannot delete {len(response['Errors'])} object(s) in "
                f"s3://{bucket}, e.g. {first.get('Key')}: {first.get('Message')}"
            )
