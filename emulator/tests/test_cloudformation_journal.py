"""Every CloudFormation write is journaled with its account, region, stack and caller, whether
it succeeds or fails; reads are not."""

import json
import urllib.error
import urllib.request

import pytest
from stack_helpers import unique

STAGING = "222222222222"
TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def read(endpoint: str, since: int = 0) -> dict:
    url = f"{endpoint}/tapstack-emulator/cloudformation-journal?since={since}"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return json.load(response)


def staging_client(client, service: str, region: str = "us-east-1"):
    credentials = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{STAGING}:role/tapstack-deploy-staging", RoleSessionName="journal"
    )["Credentials"]
    return client(
        service,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def test_writes_are_journaled_with_account_region_stack_and_caller(endpoint, client):
    cloudformation = staging_client(client, "cloudformation")
    name = unique("journal")
    start = read(endpoint)["next"]
    # WHEN a stack is created, read, updated (a no-op: refused), deleted
    cloudformation.create_stack(StackName=name, TemplateBody=TEMPLATE)
    cloudformation.describe_stacks(StackName=name)
    with pytest.raises(cloudformation.exceptions.ClientError, match="No updates"):
        cloudformation.update_stack(StackName=name, TemplateBody=TEMPLATE)
    cloudformation.delete_stack(StackName=name)
    # THEN the three writes, and only they, are in the journal, the refused one too
    entries = read(endpoint, start)["entries"]
    assert [(e["action"], e["account"], e["region"], e["stack"]) for e in entries] == [
        ("CreateStack", STAGING, "us-east-1", name),
        ("UpdateStack", STAGING, "us-east-1", name),
        ("DeleteStack", STAGING, "us-east-1", name),
    ]
    caller = f"arn:aws:sts::{STAGING}:assumed-role/tapstack-deploy-staging/journal"
    assert {e["caller"] for e in entries} == {caller}


def test_a_bad_since_is_one_clear_error(endpoint):
    url = f"{endpoint}/tapstack-emulator/cloudformation-journal?since=last"
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(url, timeout=10)  # noqa: S310 - loopback
    assert error.value.code == 400
    assert "since must be a count" in error.value.read().decode()
