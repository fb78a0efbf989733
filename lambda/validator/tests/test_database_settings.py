"""What the validator asks SSM for, on the local AWS: one GetParameters call naming exactly the
three parameters its role may read (templates/compute.py allows nothing else), then the cache."""

import json
import uuid

import pytest
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from tapstack_validator.database import LEAVES, load_settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def published(local_aws, monkeypatch):
    """The three parameters under a fresh path, the validator's secret (by name), and the SSM
    calls the validator makes (recorded by a botocore hook on the client Powertools uses)."""
    path = f"/tapstack/t{uuid.uuid4().hex[:8]}/db"
    secret = f"tapstack/t/{uuid.uuid4().hex[:8]}/db/validator"
    local_aws.client("secretsmanager").create_secret(
        Name=secret, SecretString=json.dumps({"username": "tapstack_validator", "password": "pw"})
    )
    ssm = local_aws.client("ssm")
    values = {"writer-dns": "writer.db.t.tapstack.internal", "port": "3306", "name": "tapstack"}
    for leaf, value in values.items():
        kind = "String" if leaf == "writer-dns" else "SecureString"
        ssm.put_parameter(Name=f"{path}/{leaf}", Value=value, Type=kind)
    calls = []
    client = local_aws.client("ssm")
    client.meta.events.register(
        "provide-client-params.ssm.*",
        lambda params, model, **_: calls.append((model.name, dict(params))),
    )
    parameters.clear_caches()
    monkeypatch.setitem(DEFAULT_PROVIDERS, "ssm", parameters.SSMProvider(boto3_client=client))
    monkeypatch.setitem(
        DEFAULT_PROVIDERS,
        "secrets",
        parameters.SecretsProvider(boto3_client=local_aws.client("secretsmanager")),
    )
    yield path, secret, calls
    parameters.clear_caches()


def test_one_get_parameters_call_for_exactly_the_three_names(published):
    path, secret, calls = published
    settings = load_settings(path, secret)
    assert (settings.host, settings.port, settings.database, settings.user) == (
        "writer.db.t.tapstack.internal",
        3306,
        "tapstack",
        "tapstack_validator",
    )
    assert settings.host_source == f"SSM parameter {path}/writer-dns"
    assert calls == [
        ("GetParameters", {"Names": [f"{path}/{leaf}" for leaf in LEAVES], "WithDecryption": True})
    ]
    # a warm function reads them from the cache (max_age), not from SSM
    load_settings(path, secret)
    assert len(calls) == 1
