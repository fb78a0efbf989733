"""Every signed request is journaled with its caller and the action moto authorizes it as."""

import json
import urllib.error
import urllib.request

import pytest
from stack_helpers import unique
from tapstack_emulator.behaviours import call_journal

STAGING_DEPLOY_ROLE = "arn:aws:iam::222222222222:role/tapstack-deploy-staging"


def journal(endpoint: str, since: int = 0) -> dict:
    url = f"{endpoint}/tapstack-emulator/call-journal?since={since}"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return json.load(response)


@pytest.fixture(scope="module")
def as_deploy_role(client):
    """`as_deploy_role("s3")`: a client holding a session of staging's deploy role."""
    credentials = client("sts").assume_role(
        RoleArn=STAGING_DEPLOY_ROLE, RoleSessionName="journal-test"
    )["Credentials"]
    keys = {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
    return lambda service: client(service, **keys)


def test_a_roles_calls_are_journaled_with_the_role_and_the_action(endpoint, as_deploy_role):
    # GIVEN the journal so far; WHEN staging's deploy role calls three services
    start = journal(endpoint)["next"]
    as_deploy_role("cloudformation").describe_stacks()
    as_deploy_role("cloudwatch").describe_alarms(AlarmNames=["none"])
    as_deploy_role("lambda").list_functions()  # a REST API
    # THEN each call is there, as that role, named as IAM names the action's service
    entries = journal(endpoint, start)["entries"]
    assert [(e["caller"], e["service"], e["action"]) for e in entries] == [
        (STAGING_DEPLOY_ROLE, "cloudformation", "DescribeStacks"),
        (STAGING_DEPLOY_ROLE, "monitoring", "DescribeAlarms"),
        (STAGING_DEPLOY_ROLE, "lambda", "ListFunctions"),
    ]


def test_s3_options_that_need_their_own_permission_are_journaled(endpoint, as_deploy_role):
    # GIVEN a versioned bucket with one object version
    s3 = as_deploy_role("s3")
    bucket = unique("journal")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"]
    start = journal(endpoint)["next"]
    # WHEN it is deleted as !empty_buckets does, bypassing governance retention
    s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "k", "VersionId": version}], "Quiet": True},
        BypassGovernanceRetention=True,
    )
    # THEN the entry shows the bucket, the multi-object delete and the bypass header
    (entry,) = journal(endpoint, start)["entries"]
    assert (entry["action"], entry["resource"]) == ("DeleteObject", f"arn:aws:s3:::{bucket}")
    assert (entry["method"], entry["query"]) == ("POST", ["delete"])
    assert "x-amz-bypass-governance-retention" in entry["headers"]


def test_a_signed_request_moto_does_not_authorize_is_journaled_without_an_action():
    # GIVEN a signed request that never reaches moto's authorization step
    environ = {
        "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20250101/us-east-1/"
        "lambda/aws4_request, SignedHeaders=host, Signature=0",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/2015-03-31/functions/",
        "QUERY_STRING": "",
    }
    start = call_journal.journal()["next"]
    with call_journal.request(environ):
        pass
    # THEN it is there, unjudgeable, rather than missing
    (entry,) = call_journal.journal(start)["entries"]
    assert (entry["service"], entry["action"]) == ("lambda", None)
    assert entry["resource"] == "/2015-03-31/functions/"


def test_since_must_be_a_count(endpoint):
    with pytest.raises(urllib.error.HTTPError, match="400"):
        journal(endpoint, "x")  # type: ignore[arg-type]


def test_the_journal_keeps_the_latest_entries_and_never_renumbers(monkeypatch):
    # GIVEN a journal that keeps 4 entries; WHEN 6 are appended
    monkeypatch.setattr(call_journal, "KEPT", 4)
    monkeypatch.setattr(call_journal, "_JOURNAL", [])
    monkeypatch.setattr(call_journal, "_dropped", 0)
    for number in range(6):
        call_journal._append("AKIDEXAMPLE", "s3", f"Call{number}", {"resource": "*"})
    # THEN the oldest are gone, the numbering goes on, and `since` still means the same entry
    assert call_journal.journal()["next"] == 6
    assert [e["action"] for e in call_journal.journal(4)["entries"]] == ["Call4", "Call5"]
    assert [e["action"] for e in call_journal.journal(0)["entries"]] == ["Call3", "Call4", "Call5"]
