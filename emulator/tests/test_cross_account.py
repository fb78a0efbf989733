"""Each environment reaches its account by assuming its deploy role; moto files what those
credentials create under the role's account, as AWS does."""

import json

import pytest
from stack_helpers import Stacks, unique

ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}


@pytest.fixture(scope="module")
def deploy_stacks(client):
    """Stacks per environment, through credentials of `tapstack-deploy-{env}`."""
    sts = client("sts")
    result = {}
    for environment, account in ACCOUNTS.items():
        credentials = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/tapstack-deploy-{environment}",
            RoleSessionName=f"test-{environment}",
        )["Credentials"]
        keys = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
        result[environment] = (
            client("sts", **keys),
            Stacks(client("cloudformation", **keys)),
            keys,
        )
    return result


@pytest.mark.parametrize("environment", ACCOUNTS)
def test_assumed_role_identity_is_in_the_roles_account(deploy_stacks, environment):
    sts, _stacks, _keys = deploy_stacks[environment]
    identity = sts.get_caller_identity()
    assert identity["Account"] == ACCOUNTS[environment]
    assert f":assumed-role/tapstack-deploy-{environment}/" in identity["Arn"]


def test_stacks_and_resources_land_in_the_roles_account(deploy_stacks, client):
    name = unique("xacct")
    template = {
        "Resources": {
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"BucketName": {"Fn::Sub": f"{name}-${{AWS::AccountId}}"}},
            }
        },
        "Outputs": {"Account": {"Value": {"Ref": "AWS::AccountId"}}},
    }
    for environment, (_sts, stacks, keys) in deploy_stacks.items():
        stack = stacks.create(json.loads(json.dumps(template)), name=name)
        assert stack["StackId"].split(":")[4] == ACCOUNTS[environment]
        assert stacks.outputs(name)["Account"] == ACCOUNTS[environment]
        buckets = {b["Name"] for b in client("s3", **keys).list_buckets()["Buckets"]}
        assert f"{name}-{ACCOUNTS[environment]}" in buckets
    default_names = {
        s["StackName"] for s in client("cloudformation").list_stacks()["StackSummaries"]
    }
    assert name not in default_names  # nothing was filed under moto's default account
