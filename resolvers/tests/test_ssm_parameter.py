"""!ssm_parameter on the local AWS: a parameter of the stack's own account, read through the
stack's own role; clear errors for bad arguments and missing parameters."""

import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from sceptre.exceptions import InvalidResolverArgumentError
from sceptre.stack import Stack
from tapstack_resolvers.ssm_parameter import ParameterNotFoundError, SsmParameter

STAGING = "222222222222"
ROLE = f"arn:aws:iam::{STAGING}:role/tapstack-deploy-staging"


def make_stack() -> Stack:
    return Stack(
        name="staging/us-east-1/network",
        project_code="demo",
        template_handler_config={"type": "file", "path": "network.py"},
        region="us-east-1",
        sceptre_role=ROLE,
        stack_group_config={},
    )


def resolve(argument: object) -> str:
    resolver = SsmParameter(argument).clone_for_stack(make_stack())
    resolver.setup()
    return resolver.resolve()


def staging_ssm():
    credentials = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=ROLE, RoleSessionName="resolver-test"
    )["Credentials"]
    return boto3.client(
        "ssm",
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def test_reads_a_parameter_of_the_stacks_own_account(local_aws_env):
    name = f"/tapstack/staging/t{uuid.uuid4().hex[:8]}/peering/prod-connection-id"
    staging_ssm().put_parameter(Name=name, Value="pcx-0123", Type="String")
    default_account = boto3.client("ssm", region_name="us-east-1")
    default_account.put_parameter(Name=name, Value="pcx-elsewhere", Type="String")
    assert resolve(name) == "pcx-0123"
    assert resolve({"name": name, "region": "us-east-1"}) == "pcx-0123"


def test_a_missing_parameter_raises_naming_it(local_aws_env):
    name = f"/tapstack/staging/t{uuid.uuid4().hex[:8]}/missing"
    with pytest.raises(ParameterNotFoundError, match=f"{name} does not exist in this account"):
        resolve(name)


def test_a_missing_parameter_with_a_default_resolves_to_the_default(local_aws_env):
    # GIVEN a parameter whose absence the config declares meaningful ("not peered yet")
    name = f"/tapstack/staging/t{uuid.uuid4().hex[:8]}/peering/prod-connection-id"
    # THEN absent: the default; present: its value, even when the default differs
    assert resolve({"name": name, "default": ""}) == ""
    staging_ssm().put_parameter(Name=name, Value="pcx-0456", Type="String")
    assert resolve({"name": name, "default": ""}) == "pcx-0456"


def test_a_default_does_not_hide_other_errors(local_aws_env):
    # GIVEN a role the stack cannot assume: the read fails for another reason than absence
    stack = make_stack()
    stack.sceptre_role = "arn:aws:iam::222222222222:role/does-not-matter"
    resolver = SsmParameter({"name": "/x/y", "default": ""}).clone_for_stack(stack)
    resolver.setup()
    denied = ClientError({"Error": {"Code": "AccessDeniedException"}}, "GetParameter")
    resolver.stack.connection_manager.call = lambda *args, **kwargs: (_ for _ in ()).throw(denied)
    with pytest.raises(ClientError, match="AccessDenied"):
        resolver.resolve()


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        pytest.param(
            {"name": "/x", "default": 7}, "`default` takes a string", id="default-not-a-string"
        ),
        pytest.param(
            "no-leading-slash", "`name` takes a parameter name starting with /", id="not-a-path"
        ),
        pytest.param(
            {"name": "/x", "account": "prod"},
            "unknown key `account` (the keys are name, region, default)",
            id="unknown-key",
        ),
        pytest.param(
            {"name": "/x", "region": "nowhere"}, "`region` takes an AWS region", id="bad-region"
        ),
    ],
)
def test_malformed_argument_fails_at_setup_naming_the_key(argument, problem):
    with pytest.raises(InvalidResolverArgumentError) as caught:
        SsmParameter(argument).clone_for_stack(make_stack()).setup()
    assert "!ssm_parameter: " in str(caught.value)
    assert problem in str(caught.value)
    assert f"You gave {argument!r}." in str(caught.value)
