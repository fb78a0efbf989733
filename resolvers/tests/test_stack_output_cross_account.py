"""!stack_output_cross_account on the local AWS: outputs of stacks in other accounts, read
through each account's deploy role; clear errors for bad arguments, missing stacks and outputs.
"""

import json
import uuid

import boto3
import pytest
from sceptre.exceptions import (
    DependencyStackMissingOutputError,
    InvalidResolverArgumentError,
    StackDoesNotExistError,
)
from sceptre.stack import Stack
from tapstack_resolvers.stack_output_cross_account import (
    CrossAccountAccessError,
    StackOutputCrossAccount,
)

ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
CONFIG = {"accounts": ACCOUNTS, "project_code": "demo", "deploy_role_name": "tapstack-deploy"}
OUTPUTS_TEMPLATE = {
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {
        "VpcId": {"Value": "vpc-0123456789abcdef0"},
        "TopicArn": {"Value": {"Ref": "Topic"}},
    },
}


def make_stack(config: dict | None = None) -> Stack:
    return Stack(
        name="prod/us-east-1/peering",
        project_code=(config or CONFIG)["project_code"],
        template_handler_config={"type": "file", "path": "peering.py"},
        region="us-east-1",
        stack_group_config=config or CONFIG,
    )


def resolve(argument: object, config: dict | None = None) -> str:
    return StackOutputCrossAccount(argument).clone_for_stack(make_stack(config)).resolve()


def account_client(service: str, environment: str, region: str = "us-east-1"):
    role = f"arn:aws:iam::{ACCOUNTS[environment]}:role/tapstack-deploy-{environment}"
    credentials = boto3.client("sts", region_name=region).assume_role(
        RoleArn=role, RoleSessionName="resolver-test"
    )["Credentials"]
    return boto3.client(
        service,
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


@pytest.fixture
def staging_stack(local_aws_env) -> str:
    """A stack `demo-staging-us-east-1-<unique>` in staging's account; yields its short name."""
    short = f"net{uuid.uuid4().hex[:8]}"
    cloudformation = account_client("cloudformation", "staging")
    cloudformation.create_stack(
        StackName=f"demo-staging-us-east-1-{short}", TemplateBody=json.dumps(OUTPUTS_TEMPLATE)
    )
    return short


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(lambda s: f"staging/us-east-1/{s}::VpcId", id="short-with-region"),
        pytest.param(lambda s: f"staging/{s}::VpcId", id="short-region-of-stack"),
        pytest.param(lambda s: f"staging/{s}.yaml::VpcId", id="short-yaml-path"),
        pytest.param(
            lambda s: {"account": "staging", "region": "us-east-1", "stack": s, "output": "VpcId"},
            id="mapping",
        ),
        pytest.param(
            lambda s: {
                "account": "staging",
                "stack_name": f"demo-staging-us-east-1-{s}",
                "output": "VpcId",
            },
            id="exact-stack-name",
        ),
    ],
)
def test_reads_the_output_in_the_other_account(staging_stack, form):
    assert resolve(form(staging_stack)) == "vpc-0123456789abcdef0"


def test_the_stack_lives_only_in_the_other_account(staging_stack):
    name = f"demo-staging-us-east-1-{staging_stack}"
    prod = account_client("cloudformation", "prod")
    with pytest.raises(prod.exceptions.ClientError, match="does not exist"):
        prod.describe_stacks(StackName=name)
    topic_arn = resolve(f"staging/{staging_stack}::TopicArn")
    assert topic_arn.split(":")[4] == ACCOUNTS["staging"]


def test_outputs_are_read_once_per_stack(staging_stack):
    assert resolve(f"staging/{staging_stack}::VpcId") == "vpc-0123456789abcdef0"
    account_client("cloudformation", "staging").delete_stack(
        StackName=f"demo-staging-us-east-1-{staging_stack}"
    )
    # Same stack, another output: served from what the first read fetched.
    assert resolve(f"staging/{staging_stack}::TopicArn").startswith("arn:aws:sns:")


def test_missing_stack_names_stack_account_and_region(local_aws_env):
    with pytest.raises(StackDoesNotExistError) as caught:
        resolve("dev/us-east-1/nosuchstack::VpcId")
    message = str(caught.value)
    assert "demo-dev-us-east-1-nosuchstack" in message
    assert "111111111111 (dev)" in message
    assert "does not exist" in message
    assert "prod/us-east-1/peering" in message


def test_a_project_code_mismatch_is_visible_not_hidden_behind_does_not_exist(staging_stack):
    # Another team (project_code: payments) reads tapstack's stack with the short form: the name
    # is built from *their* project_code, and the message says so and what to write instead.
    with pytest.raises(StackDoesNotExistError) as caught:
        resolve(f"staging/{staging_stack}::VpcId", {**CONFIG, "project_code": "payments"})
    message = str(caught.value)
    assert f"stack payments-staging-us-east-1-{staging_stack} in account 222222222222" in message
    assert "named from this project's project_code 'payments'" in message
    assert "needs its `project_code:` or the exact `stack_name:`" in message


def test_project_code_reads_a_stack_of_another_project_by_its_path(staging_stack):
    other_team = {**CONFIG, "project_code": "payments"}
    argument = {"account": "staging", "project_code": "demo", "stack": staging_stack}
    assert resolve({**argument, "output": "VpcId"}, other_team) == "vpc-0123456789abcdef0"


def test_missing_output_lists_the_outputs_there_are(staging_stack):
    with pytest.raises(DependencyStackMissingOutputError) as caught:
        resolve(f"staging/{staging_stack}::SubnetIds")
    message = str(caught.value)
    assert "no output 'SubnetIds'" in message
    assert "TopicArn, VpcId" in message


def test_a_role_that_cannot_be_assumed_is_named(local_aws_env):
    # The emulator answers AccessDenied for a role whose trust policy does not admit the caller.
    iam = account_client("iam", "dev")
    role = f"locked-{uuid.uuid4().hex[:6]}"
    iam.create_role(
        RoleName=f"{role}-dev",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::333333333333:role/someone-else"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    with pytest.raises(CrossAccountAccessError) as caught:
        resolve({"account": "dev", "stack": "network", "output": "VpcId", "role": role})
    assert f"cannot assume arn:aws:iam::111111111111:role/{role}-dev" in str(caught.value)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        pytest.param("staging/network", "You gave 'staging/network'", id="no-output"),
        pytest.param("network::VpcId", "You gave 'network::VpcId'", id="no-account"),
        pytest.param({"account": "staging", "output": "VpcId"}, "exactly one of", id="no-stack"),
        pytest.param(
            {"account": "dev", "stack": "a", "stack_name": "b", "output": "X"},
            "exactly one of",
            id="both-stack-forms",
        ),
        pytest.param(
            {"account": "dev", "stack": "a", "output": "X", "profile": "p"},
            "unknown key `profile` (the keys are account, region, stack, stack_name, project_code,",
            id="unknown-key",
        ),
        pytest.param("dev/eu/network::VpcId", "You gave 'dev/eu/network::VpcId'", id="bad-region"),
        pytest.param(42, "You gave 42", id="not-a-string-or-mapping"),
        pytest.param(
            {"account": "dev", "stack": "a", "output": "VPC-Id"},
            "`output` takes an output name (letters and digits), not 'VPC-Id'",
            id="bad-output",
        ),
        pytest.param(
            {"account": "dev", "stack_name": "x", "project_code": "p", "output": "X"},
            "`stack_name` is already the exact name",
            id="project-code-with-stack-name",
        ),
    ],
)
def test_malformed_arguments_fail_at_setup_naming_stack_and_argument(argument, message):
    with pytest.raises(InvalidResolverArgumentError) as caught:
        StackOutputCrossAccount(argument).clone_for_stack(make_stack())
    assert "prod/us-east-1/peering" in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param({**CONFIG, "accounts": {"dev": "1"}}, "not in the accounts map", id="no-env"),
        pytest.param({**CONFIG, "accounts": {"staging": "12"}}, "12-digit", id="bad-account"),
        pytest.param(
            {"accounts": ACCOUNTS, "project_code": "demo"}, "deploy_role_name", id="no-role"
        ),
    ],
)
def test_config_problems_name_the_key(config, message):
    with pytest.raises(InvalidResolverArgumentError, match=message):
        resolve("staging/network::VpcId", config)
