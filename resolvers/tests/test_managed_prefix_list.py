"""!managed_prefix_list on the local AWS: a service name to its AWS-managed prefix list id in
the stack's region (or the one given), and one clear error for what can be wrong."""

import pytest
from sceptre.exceptions import InvalidResolverArgumentError
from sceptre.stack import Stack
from tapstack_resolvers.managed_prefix_list import ManagedPrefixList, PrefixListNotFoundError


def resolver(argument: object) -> ManagedPrefixList:
    stack = Stack(
        name="dev/us-east-1/network",
        project_code="tapstack",
        template_handler_config={"type": "file", "path": "network.py"},
        region="us-east-1",
    )
    return ManagedPrefixList(argument).clone_for_stack(stack)


def aws_managed(local_aws, region: str) -> dict[str, str]:
    """{name: id} of the region's AWS-managed prefix lists, as EC2 lists them."""
    found = local_aws.client("ec2", region).describe_managed_prefix_lists()
    return {
        entry["PrefixListName"]: entry["PrefixListId"]
        for entry in found["PrefixLists"]
        if entry["OwnerId"] == "AWS"
    }


@pytest.mark.e2e
def test_short_form_is_the_service_in_the_stacks_region(local_aws_env):
    expected = aws_managed(local_aws_env, "us-east-1")["com.amazonaws.us-east-1.s3"]
    assert resolver("s3").resolve() == expected
    assert expected != aws_managed(local_aws_env, "us-east-1")["com.amazonaws.us-east-1.dynamodb"]


@pytest.mark.e2e
def test_another_region_is_named_in_the_mapping_form(local_aws_env):
    expected = aws_managed(local_aws_env, "eu-west-1")["com.amazonaws.eu-west-1.s3"]
    assert resolver({"service": "s3", "region": "eu-west-1"}).resolve() == expected
    assert expected != aws_managed(local_aws_env, "us-east-1")["com.amazonaws.us-east-1.s3"]


@pytest.mark.e2e
def test_a_service_without_a_managed_list_fails_naming_stack_and_list(local_aws_env):
    with pytest.raises(PrefixListNotFoundError) as caught:
        resolver("sqs").resolve()
    assert str(caught.value) == (
        "dev/us-east-1/network: !managed_prefix_list: 0 AWS-managed prefix lists named "
        "com.amazonaws.us-east-1.sqs in us-east-1 (expected one)"
    )


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        pytest.param("S3", "`service` takes a service name: 2-32 of a-z, 0-9 and -", id="upper"),
        pytest.param("com.amazonaws.us-east-1.s3", "`service` takes", id="full-name"),
        pytest.param(
            {"service": "s3", "region": "mars"},
            "`region` takes an AWS region name such as eu-west-1, not 'mars'",
            id="bad-region",
        ),
        pytest.param(
            {"service": "s3", "account": "1"},
            "unknown key `account` (the keys are service, region)",
            id="unknown-key",
        ),
        pytest.param(["s3"], "the argument must be a mapping of service, region", id="list"),
    ],
)
def test_malformed_argument_fails_at_setup_naming_the_key(argument, problem):
    with pytest.raises(InvalidResolverArgumentError) as caught:
        resolver(argument)
    assert str(caught.value).startswith("dev/us-east-1/network - !managed_prefix_list: ")
    assert problem in str(caught.value)
    assert f"You gave {argument!r}." in str(caught.value)
