"""AssumeRole evaluates an existing role's trust policy: exact principals and ExternalId."""

import json

import pytest
from stack_helpers import unique
from tapstack_emulator.behaviours.assume_role_trust import admits, principal_arn

PROD, STAGING = "333333333333", "222222222222"


def keys_of(credentials: dict) -> dict:
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def assume(client, role_arn: str, **extra) -> dict:
    return client("sts").assume_role(RoleArn=role_arn, RoleSessionName="test", **extra)[
        "Credentials"
    ]


@pytest.fixture(scope="module")
def accounts(client):
    """IAM in staging, and the STS of a session of prod's (not yet existing) sync role."""
    staging = keys_of(assume(client, f"arn:aws:iam::{STAGING}:role/tapstack-deploy-staging"))
    name = unique("sync")
    prod_sync = keys_of(assume(client, f"arn:aws:iam::{PROD}:role/{name}"))
    return client("iam", **staging), client, prod_sync, f"arn:aws:iam::{PROD}:role/{name}"


def target_role(iam, source_role_arn: str, external_id: str = "a-long-external-id-1") -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [source_role_arn]},
                "Action": ["sts:AssumeRole"],
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }
    return iam.create_role(RoleName=unique("target"), AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]["Arn"]


def test_the_named_role_with_the_external_id_is_admitted(accounts):
    iam, client, prod_sync, prod_sync_arn = accounts
    role = target_role(iam, prod_sync_arn)
    credentials = client("sts", **prod_sync).assume_role(
        RoleArn=role, RoleSessionName="sync", ExternalId="a-long-external-id-1"
    )["Credentials"]
    identity = client("sts", **keys_of(credentials)).get_caller_identity()
    assert identity["Account"] == STAGING


@pytest.mark.parametrize("external_id", [None, "wrong-external-id-2"])
def test_missing_or_wrong_external_id_is_denied(accounts, external_id):
    iam, client, prod_sync, prod_sync_arn = accounts
    role = target_role(iam, prod_sync_arn)
    extra = {"ExternalId": external_id} if external_id else {}
    sts = client("sts", **prod_sync)
    with pytest.raises(sts.exceptions.ClientError, match="AccessDenied"):
        sts.assume_role(RoleArn=role, RoleSessionName="sync", **extra)


def test_another_principal_is_denied_even_with_the_external_id(accounts):
    iam, client, _prod_sync, prod_sync_arn = accounts
    role = target_role(iam, prod_sync_arn)
    sts = client("sts")  # the default identity, not prod's sync role
    with pytest.raises(sts.exceptions.ClientError, match="not authorized to perform"):
        sts.assume_role(RoleArn=role, RoleSessionName="other", ExternalId="a-long-external-id-1")


def test_a_role_that_does_not_exist_can_still_be_assumed(client):
    # Deploy roles are created by each account's iam stack; the bootstrap has to reach it.
    credentials = assume(client, f"arn:aws:iam::{STAGING}:role/{unique('absent')}")
    assert credentials["AccessKeyId"]


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        (
            "arn:aws:sts::1:assumed-role/tapstack-sync-prod/s",
            "arn:aws:iam::1:role/tapstack-sync-prod",
        ),
        ("arn:aws:sts::123456789012:user/moto", "arn:aws:iam::123456789012:user/moto"),
        ("arn:aws:iam::1:user/ops", "arn:aws:iam::1:user/ops"),
    ],
)
def test_principal_of_a_caller(caller, expected):
    assert principal_arn(caller) == expected


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        pytest.param({"Principal": {"AWS": "arn:aws:iam::1:user/u"}}, True, id="exact"),
        pytest.param({"Principal": {"AWS": "arn:aws:iam::1:root"}}, True, id="account-root"),
        pytest.param({"Principal": {"AWS": "1"}}, True, id="account-id"),
        pytest.param({"Principal": {"AWS": "arn:aws:iam::2:root"}}, False, id="other-account"),
        pytest.param({"Principal": {"Service": "lambda.amazonaws.com"}}, False, id="service"),
        pytest.param(
            {"Principal": "*", "Condition": {"IpAddress": {"aws:SourceIp": "1.2.3.4"}}},
            False,
            id="unknown-operator-never-matches",
        ),
        pytest.param({"Principal": "*", "Action": "s3:GetObject"}, False, id="other-action"),
    ],
)
def test_trust_statements(statement, expected):
    document = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", **statement}]}
    assert admits(document, "arn:aws:iam::1:user/u", "1", None) is expected


def test_a_deny_wins():
    document = {
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sts:*"},
            {"Effect": "Deny", "Principal": {"AWS": "1"}, "Action": "sts:AssumeRole"},
        ]
    }
    assert admits(document, "arn:aws:iam::1:user/u", "1", None) is False


def test_every_assume_role_call_is_journaled_admitted_or_not(endpoint, client, accounts):
    import urllib.request

    def read(since: int) -> dict:
        url = f"{endpoint}/tapstack-emulator/assume-role-journal?since={since}"
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return json.load(response)

    iam, _client, _prod_sync, prod_sync_arn = accounts
    role_arn = target_role(iam, prod_sync_arn)
    start = read(0)["next"]
    assume(client, f"arn:aws:iam::{PROD}:role/tapstack-deploy-prod")
    with pytest.raises(client("sts").exceptions.ClientError):
        assume(client, role_arn)  # the default identity is not prod's sync role
    entries = read(start)["entries"]
    assert [(e["role"], e["admitted"]) for e in entries] == [
        (f"arn:aws:iam::{PROD}:role/tapstack-deploy-prod", True),
        (role_arn, False),
    ]
    assert all(e["caller"].endswith(":user/moto") for e in entries)
