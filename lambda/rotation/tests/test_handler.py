"""The handler's checks before any step: the event, and the version it is asked to rotate to.

Secrets Manager is a botocore Stubber on the handler's own client (expected parameters check
what is asked); the steps themselves are tested against real services in test_steps.py.
"""

import copy
import importlib
import json
from pathlib import Path

import pytest
from botocore.stub import Stubber

EVENT = json.loads((Path(__file__).parent / "events/create_secret.json").read_text())
SECRET, TOKEN = EVENT["SecretId"], EVENT["ClientRequestToken"]


@pytest.fixture
def module(monkeypatch):
    for name, value in {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "DATABASE_CA_BUNDLE": "tapstack_db/rds-ca-bundle.pem",
    }.items():
        monkeypatch.setenv(name, value)
    return importlib.reload(importlib.import_module("tapstack_rotation.handler"))


def described(enabled: bool, stages: dict[str, list[str]]) -> dict:
    return {"ARN": SECRET, "Name": "sync", "RotationEnabled": enabled, "VersionIdsToStages": stages}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"Step": "dropSecret"}, "unknown Step 'dropSecret'", id="step"),
        pytest.param({"ClientRequestToken": ""}, "needs SecretId, ClientRequestToken", id="token"),
        pytest.param({"SecretId": None}, "needs SecretId", id="secret"),
    ],
)
def test_malformed_events_are_refused_before_any_call(module, lambda_context, changes, message):
    event = {**copy.deepcopy(EVENT), **changes}
    with Stubber(module.secrets) as stubber, pytest.raises(module.BadRequestError, match=message):
        module.handler(event, lambda_context)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("response", "message"),
    [
        pytest.param(described(False, {TOKEN: ["AWSPENDING"]}), "not enabled", id="disabled"),
        pytest.param(
            described(True, {"0b6e3a6c-1d2e-4f5a-8b9c-0d1e2f3a4b5c": ["AWSCURRENT"]}),
            "no version",
            id="unknown",
        ),
        pytest.param(
            described(True, {TOKEN: ["AWSPREVIOUS"]}), "is not AWSPENDING", id="not-pending"
        ),
    ],
)
def test_a_version_that_is_not_pending_is_refused(module, lambda_context, response, message):
    with Stubber(module.secrets) as stubber:
        stubber.add_response("describe_secret", response, {"SecretId": SECRET})
        with pytest.raises(module.RotationError, match=message):
            module.handler(copy.deepcopy(EVENT), lambda_context)


def test_a_version_already_current_needs_nothing(module, lambda_context):
    with Stubber(module.secrets) as stubber:
        stubber.add_response(
            "describe_secret", described(True, {TOKEN: ["AWSCURRENT"]}), {"SecretId": SECRET}
        )
        assert module.handler(copy.deepcopy(EVENT), lambda_context) is None
        stubber.assert_no_pending_responses()


def test_missing_ca_bundle_setting_fails_at_cold_start_naming_it(monkeypatch, module):
    monkeypatch.delenv("DATABASE_CA_BUNDLE")
    with pytest.raises(KeyError, match="DATABASE_CA_BUNDLE"):
        importlib.reload(module)
