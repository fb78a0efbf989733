"""The journal check the end-to-end tests run (tapstack_tools.deploy_role_calls), on journal entries
shaped as the local AWS writes them, against the deploy roles as rendered."""

import pytest
from tapstack_tools.deploy_role_calls import refused
from tapstack_tools.deploy_role_coverage import deploy_role_policies
from tapstack_tools.iam_actions import UnmappedOperationError, for_client_call, for_journaled_call

STAGING = "arn:aws:iam::222222222222:role/tapstack-deploy-staging"


def entry(service: str, action: str | None, caller: str = STAGING, **request) -> dict:
    return {
        "caller": caller,
        "service": service,
        "action": action,
        "resource": request.get("resource", "*"),
        "method": request.get("method", "POST"),
        "query": request.get("query", []),
        "headers": request.get("headers", []),
    }


EMPTY_A_LOCKED_BUCKET = entry(
    "s3",
    "DeleteObject",
    resource="arn:aws:s3:::tapstack-audit-log-staging-main-222222222222-us-east-1",
    query=["delete"],
    headers=["x-amz-bypass-governance-retention"],
)


@pytest.fixture(scope="module")
def staging_only(documents):
    staging = deploy_role_policies(documents["staging/us-east-1/iam"], "staging")
    return lambda environment: staging if environment == "staging" else []


def test_what_a_launch_calls_is_allowed(staging_only):
    calls = [
        entry("cloudformation", "CreateStack"),
        entry("cloudformation", "DescribeStackEvents"),
        entry("monitoring", "DescribeAlarms"),
        entry("ecr", "PutImage"),
        entry("s3", "GetObject", resource="arn:aws:s3:::bucket/key", method="HEAD"),
        EMPTY_A_LOCKED_BUCKET,
    ]
    assert refused(calls, staging_only) == []


def test_a_call_beyond_the_policies_is_refused(staging_only):
    found = refused([entry("ec2", "RunInstances")], staging_only)
    assert found == [
        "staging's deploy role called ec2:RunInstances (ec2 RunInstances on *): not allowed by "
        "its policies"
    ]


def test_a_call_that_cannot_be_judged_is_reported(staging_only):
    (found,) = refused([entry("lambda", None, resource="/2015-03-31/functions/")], staging_only)
    assert "served POST /2015-03-31/functions/ (lambda) without naming its action" in found


def test_other_principals_are_not_the_deploy_roles_concern(staging_only):
    function_role = "arn:aws:iam::222222222222:role/tapstack-staging-us-east-1-compute-Fn-x"
    assert refused([entry("ec2", "RunInstances", caller=function_role)], staging_only) == []


def test_a_multi_object_delete_needs_both_deletes_and_the_bypass():
    assert for_journaled_call(EMPTY_A_LOCKED_BUCKET) == (
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:BypassGovernanceRetention",
    )
    assert for_client_call("s3", "delete_objects", ["Bucket", "BypassGovernanceRetention"]) == (
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:BypassGovernanceRetention",
    )


@pytest.mark.parametrize(
    ("service", "operation", "actions"),
    [
        pytest.param("cloudwatch", "describe_alarms", ("cloudwatch:DescribeAlarms",), id="plain"),
        pytest.param("stepfunctions", "start_execution", ("states:StartExecution",), id="prefix"),
        pytest.param("lambda", "invoke", ("lambda:InvokeFunction",), id="renamed"),
        pytest.param("s3", "head_object", ("s3:GetObject",), id="s3-object"),
        pytest.param("s3", "list_object_versions", ("s3:ListBucketVersions",), id="s3-bucket"),
    ],
)
def test_client_calls_are_named_as_iam_authorizes_them(service, operation, actions):
    assert for_client_call(service, operation) == actions


def test_an_s3_operation_without_a_known_mapping_is_refused():
    with pytest.raises(UnmappedOperationError, match="S3_OPERATIONS"):
        for_client_call("s3", "put_bucket_acl")
