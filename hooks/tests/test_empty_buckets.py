"""!empty_buckets: every version and delete marker goes, so the stack can delete its buckets."""

import uuid

import pytest
from sceptre.exceptions import InvalidHookArgumentSyntaxError
from sceptre.stack import Stack
from tapstack_hooks.empty_buckets import BucketEmptyingError, EmptyBuckets


def make_hook(argument: object, stack_name: str) -> EmptyBuckets:
    stack = Stack(
        name="dev/us-east-1/storage",
        project_code="tapstack",
        template_handler_config={"type": "file", "path": "storage.py"},
        region="us-east-1",
        external_name=stack_name,
    )
    return EmptyBuckets(argument).clone_for_stack(stack)


@pytest.mark.parametrize("argument", ["MigrationBucketName", [""], {"outputs": ["A"]}, None])
def test_malformed_argument_fails_at_setup(argument):
    with pytest.raises(InvalidHookArgumentSyntaxError, match=r"dev/us-east-1/storage: .*You gave"):
        make_hook(argument, "unused")


def test_empties_versions_and_markers_of_the_named_outputs_only(local_aws_env):
    local_aws = local_aws_env
    s3, cloudformation = local_aws.client("s3"), local_aws.client("cloudformation")
    emptied, kept = (f"tapstack-test-{uuid.uuid4().hex[:10]}" for _ in range(2))
    for bucket in (emptied, kept):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for body in (b"one", b"two"):
            s3.put_object(Bucket=bucket, Key="lambda/package.zip", Body=body)
        s3.delete_object(Bucket=bucket, Key="lambda/package.zip")  # leaves a delete marker
    stack_name = f"tapstack-test-{uuid.uuid4().hex[:8]}"
    template = (
        '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": {'
        f'"EmptiedBucketName": {{"Value": "{emptied}"}}, "KeptBucketName": {{"Value": "{kept}"}}'
        "}}"
    )
    cloudformation.create_stack(StackName=stack_name, TemplateBody=template)
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    make_hook(["EmptiedBucketName", "MissingOutput"], stack_name).run()
    assert "Versions" not in s3.list_object_versions(Bucket=emptied)
    assert "DeleteMarkers" not in s3.list_object_versions(Bucket=emptied)
    assert len(s3.list_object_versions(Bucket=kept)["Versions"]) == 2


@pytest.mark.usefixtures("local_aws_env")
def test_a_stack_that_is_gone_is_nothing_to_empty():
    make_hook(["MigrationBucketName"], f"tapstack-gone-{uuid.uuid4().hex[:8]}").run()


@pytest.mark.parametrize(("mode", "emptied"), [("GOVERNANCE", True), ("COMPLIANCE", False)])
def test_object_lock_yields_in_governance_mode_only(local_aws_env, mode, emptied):
    # The audit log is under Object Lock: teardown bypasses governance mode (the permission made
    # for that), and compliance mode (protect_data) cannot be bypassed by anyone.
    s3, cloudformation = local_aws_env.client("s3"), local_aws_env.client("cloudformation")
    bucket = f"tapstack-test-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": mode, "Days": 365}},
        },
    )
    s3.put_object(Bucket=bucket, Key="audit/record.json", Body=b"{}")
    stack_name = f"tapstack-test-{uuid.uuid4().hex[:8]}"
    template = (
        '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": {'
        f'"AuditLogBucketName": {{"Value": "{bucket}"}}}}}}'
    )
    cloudformation.create_stack(StackName=stack_name, TemplateBody=template)
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    hook = make_hook(["AuditLogBucketName"], stack_name)
    if emptied:
        hook.run()
        assert "Versions" not in s3.list_object_versions(Bucket=bucket)
    else:
        with pytest.raises(BucketEmptyingError, match="cannot delete 1 object"):
            hook.run()
        assert len(s3.list_object_versions(Bucket=bucket)["Versions"]) == 1
