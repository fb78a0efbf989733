"""!empty_buckets: every version and delete marker of the stack's own buckets goes, so the stack
can delete them; anything it is not sure of is refused before a single object is deleted."""

import json
import textwrap
import uuid

import pytest
from sceptre.exceptions import InvalidHookArgumentSyntaxError
from sceptre.stack import Stack
from tapstack_hooks.empty_buckets import BucketEmptyingError, EmptyBuckets
from tapstack_hooks.hook_points import HookPlacementError
from tapstack_tools.sceptre_scratch import sceptre, write_project


def bucket_stack(local_aws, buckets: list[str], extra_outputs: dict | None = None) -> str:
    """A stack owning versioned `buckets` (outputs FirstBucketName, ...), each holding two
    versions and a delete marker; returns the stack's name."""
    labels = ["First", "Second", "Third"]
    resources = {
        f"{label}Bucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": bucket,
                "VersioningConfiguration": {"Status": "Enabled"},
            },
        }
        for label, bucket in zip(labels, buckets, strict=False)
    }
    outputs = {
        f"{label}BucketName": {"Value": {"Ref": f"{label}Bucket"}}
        for label, _ in zip(labels, buckets, strict=False)
    }
    outputs.update({k: {"Value": v} for k, v in (extra_outputs or {}).items()})
    name = f"tapstack-test-{uuid.uuid4().hex[:8]}"
    cloudformation = local_aws.client("cloudformation")
    cloudformation.create_stack(
        StackName=name, TemplateBody=json.dumps({"Resources": resources, "Outputs": outputs})
    )
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    s3 = local_aws.client("s3")
    for bucket in buckets:
        for body in (b"one", b"two"):
            s3.put_object(Bucket=bucket, Key="lambda/package.zip", Body=body)
        s3.delete_object(Bucket=bucket, Key="lambda/package.zip")  # leaves a delete marker
    return name


def versions(local_aws, bucket: str) -> int:
    """How many object versions and delete markers the bucket holds."""
    listed = local_aws.client("s3").list_object_versions(Bucket=bucket)
    return len(listed.get("Versions", [])) + len(listed.get("DeleteMarkers", []))


def new_bucket() -> str:
    return f"tapstack-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def hook(place):
    """`hook(argument, stack_name, point="before_delete", plan=True)`: the placed hook."""

    def make(argument: object, stack_name: str = "unused", point: str = "before_delete", **kw):
        return place(
            EmptyBuckets(argument),
            point,
            name="dev/us-east-1/storage",
            external_name=stack_name,
            **kw,
        )

    return make


# --- arguments and placement (when Sceptre builds its plan) --------------------------------


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        pytest.param("MigrationBucketName", "must be a non-empty list", id="a string"),
        pytest.param([], "must be a non-empty list", id="empty"),
        pytest.param(None, "must be a non-empty list", id="nothing"),
        pytest.param({"outputs": ["A"]}, "must be a non-empty list", id="a mapping"),
        pytest.param(["Good", ""], "not output names (letters and digits): ['']", id="empty name"),
        pytest.param(["Bucket-Name"], "['Bucket-Name']", id="a dash"),
        pytest.param([7], "[7]", id="a number"),
    ],
)
def test_malformed_argument_fails_at_setup_naming_the_problem(hook, argument, message):
    with pytest.raises(InvalidHookArgumentSyntaxError) as caught:
        hook(argument)
    assert str(caught.value).startswith("dev/us-east-1/storage: !empty_buckets: ")
    assert message in str(caught.value)
    assert "It takes a list of the stack's output names" in str(caught.value)


@pytest.mark.parametrize("point", ["before_update", "before_create", "after_delete"])
def test_any_other_hook_point_is_refused_when_the_plan_is_built(hook, point):
    expected = f"belongs under before_delete, not under `{point}`$"
    with pytest.raises(HookPlacementError, match=expected):
        hook(["BucketName"], point=point)


def test_under_before_update_it_refuses_to_run_and_the_objects_stay(local_aws_env, hook):
    # A stack built without Sceptre's config (so setup cannot see where the hook is): run()
    # checks before it calls anything.
    bucket = new_bucket()
    stack = bucket_stack(local_aws_env, [bucket])
    misplaced = hook(["FirstBucketName"], stack, point="before_update", plan=False)
    with pytest.raises(HookPlacementError, match="not under `before_update`; nothing was done"):
        misplaced.run()
    assert versions(local_aws_env, bucket) == 3


def test_a_launch_with_it_under_before_update_stops_before_anything_and_empties_nothing(
    local_aws_env, tmp_path, quick_polls
):
    # The copy-paste from a !rollback_triggers block: `sceptre launch` must refuse it when it
    # builds its plan, before any stack action, and every object must still be there.
    code = f"eb{uuid.uuid4().hex[:8]}"
    bucket = new_bucket()
    template = {
        "Resources": {
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": bucket,
                    "VersioningConfiguration": {"Status": "Enabled"},
                },
            }
        },
        "Outputs": {"BucketName": {"Value": {"Ref": "Bucket"}}},
    }
    config = textwrap.dedent(
        """\
        template:
          path: storage.json
        hooks:
          before_delete:
            - !empty_buckets [BucketName]
        """
    )
    project = write_project(
        tmp_path,
        {
            "config/config.yaml": f"project_code: {code}\nregion: us-east-1\n",
            "config/dev/storage.yaml": config,
            "templates/storage.json": json.dumps(template),
        },
    )
    assert sceptre(project, "launch", "-y", "dev").exit_code == 0
    s3 = local_aws_env.client("s3")
    s3.put_object(Bucket=bucket, Key="audit/record.json", Body=b"{}")
    s3.put_object(Bucket=bucket, Key="audit/record.json", Body=b"{ }")
    misplaced = config.replace("before_delete", "before_update")
    (project / "config/dev/storage.yaml").write_text(misplaced)
    template["Outputs"]["Other"] = {"Value": "x"}  # a real change: Sceptre would update
    (project / "templates/storage.json").write_text(json.dumps(template))
    run = sceptre(project, "launch", "-y", "dev")
    assert run.clean and run.exit_code == 1
    assert "!empty_buckets belongs under before_delete, not under `before_update`" in run.output
    assert versions(local_aws_env, bucket) == 2
    stack = local_aws_env.client("cloudformation").describe_stacks(StackName=f"{code}-dev-storage")
    assert "Other" not in {o["OutputKey"] for o in stack["Stacks"][0].get("Outputs", [])}


def test_a_tag_written_straight_under_the_hook_point_is_refused():
    hooks = {"before_delete": EmptyBuckets(["BucketName"])}
    with pytest.raises(HookPlacementError, match=r"would never run\. Write it as a list item"):
        Stack(
            name="dev/us-east-1/storage",
            project_code="tapstack",
            template_handler_config={"type": "file", "path": "storage.json"},
            region="us-east-1",
            hooks=hooks,
            config={"hooks": hooks},
        )


# --- what it empties, and what it refuses to (on the local AWS) ----------------------------


def test_empties_versions_and_markers_of_the_named_buckets_only(local_aws_env, hook, caplog):
    caplog.set_level("INFO")
    emptied, kept = new_bucket(), new_bucket()
    stack = bucket_stack(local_aws_env, [emptied, kept])
    hook(["FirstBucketName"], stack).run()
    assert versions(local_aws_env, emptied) == 0
    assert versions(local_aws_env, kept) == 3
    (line,) = [r.getMessage() for r in caplog.records if "emptied" in r.getMessage()]
    assert line == f"dev/us-east-1/storage - emptied s3://{emptied} (FirstBucketName): 3 versions"


def test_a_missing_output_is_an_error_and_nothing_is_emptied(local_aws_env, hook):
    bucket = new_bucket()
    stack = bucket_stack(local_aws_env, [bucket])
    with pytest.raises(BucketEmptyingError) as caught:
        hook(["FirstBucketName", "MigrationBucktName"], stack).run()
    assert "the stack has no output MigrationBucktName (its outputs: FirstBucketName)" in str(
        caught.value
    )
    assert versions(local_aws_env, bucket) == 3


@pytest.mark.parametrize(
    "value",
    [pytest.param("vpc-123", id="not a bucket"), pytest.param("foreign", id="another's bucket")],
)
def test_an_output_that_is_not_a_bucket_of_this_stack_is_an_error(local_aws_env, hook, value):
    own, foreign = new_bucket(), new_bucket()
    bucket_stack(local_aws_env, [foreign])  # another stack's bucket, full of objects
    value = foreign if value == "foreign" else value
    stack = bucket_stack(local_aws_env, [own], extra_outputs={"OtherBucketName": value})
    with pytest.raises(BucketEmptyingError) as caught:
        hook(["FirstBucketName", "OtherBucketName"], stack).run()
    assert f"OtherBucketName = {value!r} is not an AWS::S3::Bucket of this stack" in str(
        caught.value
    )
    assert "nothing was emptied" in str(caught.value)
    assert versions(local_aws_env, own) == 3
    assert versions(local_aws_env, foreign) == 3


def test_a_stack_that_is_gone_is_nothing_to_empty(local_aws_env, hook):
    hook(["MigrationBucketName"], f"tapstack-gone-{uuid.uuid4().hex[:8]}").run()


@pytest.mark.parametrize(("mode", "emptied"), [("GOVERNANCE", True), ("COMPLIANCE", False)])
def test_object_lock_yields_in_governance_mode_only(local_aws_env, hook, mode, emptied):
    # The audit log is under Object Lock: teardown bypasses governance mode (the permission made
    # for that), and compliance mode (protect_data) cannot be bypassed by anyone.
    bucket = new_bucket()
    template = {
        "Resources": {
            "Audit": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": bucket,
                    "ObjectLockEnabled": True,
                    "ObjectLockConfiguration": {
                        "ObjectLockEnabled": "Enabled",
                        "Rule": {"DefaultRetention": {"Mode": mode, "Days": 365}},
                    },
                    "VersioningConfiguration": {"Status": "Enabled"},
                },
            }
        },
        "Outputs": {"AuditLogBucketName": {"Value": {"Ref": "Audit"}}},
    }
    stack_name = f"tapstack-test-{uuid.uuid4().hex[:8]}"
    cloudformation = local_aws_env.client("cloudformation")
    cloudformation.create_stack(StackName=stack_name, TemplateBody=json.dumps(template))
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    local_aws_env.client("s3").put_object(Bucket=bucket, Key="audit/record.json", Body=b"{}")
    placed = hook(["AuditLogBucketName"], stack_name)
    if emptied:
        placed.run()
        assert versions(local_aws_env, bucket) == 0
    else:
        with pytest.raises(BucketEmptyingError, match="cannot delete 1 object"):
            placed.run()
        assert versions(local_aws_env, bucket) == 1
