"""tapstack_tools.blast_radius judges a command's journals: each write or role outside the command's
environment is named, except the one role staging and dev keep for prod."""

import pytest
from tapstack_tools.blast_radius import violations
from tapstack_tools.deployment import SceptreRun

ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}


def role(environment: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNTS[environment]}:role/{name}"


def run(writes=(), assumed=()) -> SceptreRun:
    return SceptreRun(("launch", "-y", "x"), 0, "", 1.0, tuple(assumed), tuple(writes))


def write(environment: str, stack: str) -> dict:
    return {
        "action": "UpdateStack",
        "account": ACCOUNTS[environment],
        "region": "us-east-1",
        "stack": stack,
        "caller": "c",
    }


def assumed(environment: str, name: str, admitted: bool = True) -> dict:
    return {"caller": "c", "role": role(environment, name), "admitted": admitted}


def test_a_command_within_its_environment_has_no_violation():
    staging = run(
        [write("staging", "tapstack-staging-us-east-1-kms")],
        [assumed("staging", "tapstack-deploy-staging")],
    )
    assert violations(staging, "staging", ACCOUNTS) == []


def test_prod_may_assume_the_accepters_peering_role_and_nothing_else_of_theirs():
    prod = run(
        assumed=[
            assumed("prod", "tapstack-deploy-prod"),
            assumed("staging", "tapstack-peering-accepter-staging"),
            assumed("dev", "tapstack-peering-accepter-dev"),
        ]
    )
    assert violations(prod, "prod", ACCOUNTS) == []
    prod = run(assumed=[assumed("staging", "tapstack-deploy-staging")])
    assert violations(prod, "prod", ACCOUNTS) == [
        f"assumed {role('staging', 'tapstack-deploy-staging')} (staging's account)"
    ]


@pytest.mark.parametrize(
    ("journal", "expected"),
    [
        pytest.param(
            run([write("prod", "tapstack-prod-us-east-1-kms")]),
            "UpdateStack tapstack-prod-us-east-1-kms in prod's account 333333333333 (us-east-1)",
            id="write-in-prod",
        ),
        pytest.param(
            run(assumed=[assumed("prod", "tapstack-deploy-prod", admitted=False)]),
            f"tried to assume {role('prod', 'tapstack-deploy-prod')} (prod's account)",
            id="refused-assume-counts",
        ),
        pytest.param(
            run(assumed=[assumed("dev", "tapstack-peering-accepter-dev")]),
            f"assumed {role('dev', 'tapstack-peering-accepter-dev')} (dev's account)",
            id="accepter-role-is-prods-only",
        ),
    ],
)
def test_a_staging_command_reaching_elsewhere_is_named(journal, expected):
    assert violations(journal, "staging", ACCOUNTS) == [expected]
