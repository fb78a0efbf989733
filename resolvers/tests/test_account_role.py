"""!account_role: role ARNs from the accounts map, and clear errors for bad arguments."""

import pytest
from sceptre.exceptions import InvalidResolverArgumentError
from sceptre.stack import Stack
from tapstack_resolvers.account_role import AccountRole

ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}


def make_stack(accounts: object = ACCOUNTS) -> Stack:
    return Stack(
        name="prod/us-east-1/iam",
        project_code="tapstack",
        template_handler_config={"type": "file", "path": "iam.py"},
        region="us-east-1",
        stack_group_config={"accounts": accounts},
    )


def resolve(argument: object, accounts: object = ACCOUNTS) -> str:
    return AccountRole(argument).clone_for_stack(make_stack(accounts)).resolve()


@pytest.mark.parametrize(
    "argument",
    [
        pytest.param("staging/tapstack-sync-target", id="short-string"),
        pytest.param({"environment": "staging", "role": "tapstack-sync-target"}, id="mapping"),
    ],
)
def test_resolves_the_role_in_the_environments_account(argument):
    assert resolve(argument) == "arn:aws:iam::222222222222:role/tapstack-sync-target-staging"


def test_partition_is_configurable():
    argument = {"environment": "dev", "role": "ops", "partition": "aws-us-gov"}
    assert resolve(argument) == "arn:aws-us-gov:iam::111111111111:role/ops-dev"


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        pytest.param(
            "staging", "the argument must be a mapping of environment, role", id="no-role"
        ),
        pytest.param("a/b/c", "the argument must be a mapping", id="too-many-parts"),
        pytest.param({"environment": "dev"}, "`role` is missing: it takes", id="missing-key"),
        pytest.param(
            {"environment": "dev", "role": "x", "region": "eu"},
            "unknown key `region` (the keys are environment, role, partition)",
            id="unknown-key",
        ),
        pytest.param(
            "dev/bad role",
            "`role` takes a role name prefix (letters, digits and +=,.@_-), not 'bad role'",
            id="role-with-space",
        ),
    ],
)
def test_malformed_arguments_fail_at_setup_naming_stack_and_argument(argument, message):
    with pytest.raises(InvalidResolverArgumentError) as caught:
        AccountRole(argument).clone_for_stack(make_stack())
    assert str(caught.value).startswith("prod/us-east-1/iam - !account_role: ")
    assert message in str(caught.value)
    assert f"You gave {argument!r}." in str(caught.value)


@pytest.mark.parametrize(
    ("argument", "accounts", "message"),
    [
        pytest.param("qa/ops", ACCOUNTS, "environment 'qa' is not in the accounts map", id="env"),
        pytest.param(
            "dev/ops", {"dev": "1234"}, "accounts.dev = '1234' is not a 12-digit", id="id"
        ),
        pytest.param("dev/ops", None, "has no `accounts` map", id="no-map"),
    ],
)
def test_lookup_errors_name_the_environment_and_value(argument, accounts, message):
    with pytest.raises(InvalidResolverArgumentError, match="prod/us-east-1/iam") as caught:
        resolve(argument, accounts)
    assert message in str(caught.value)
