"""The Lambda handler: DSNs from Secrets Manager (botocore Stubber checks each request),
Powertools metrics on stdout, the same engine underneath (mariadb)."""

import json
from pathlib import Path

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from botocore.stub import Stubber
from tapstack_sync import BadInputError, RefusedError, handler

pytestmark = pytest.mark.mariadb

EVENTS = Path(__file__).parent / "events"
TABLE = "CREATE TABLE currencies (code CHAR(3) PRIMARY KEY, name VARCHAR(64) NOT NULL)"


def _event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def _secret(side) -> str:
    dsn = side.dsn
    return json.dumps(
        {
            "engine": "mysql",
            "username": dsn.user,
            "password": dsn.password.get_secret_value(),
            "host": dsn.host,
            "port": dsn.port,
            "dbname": dsn.database,
        }
    )


@pytest.fixture
def secrets(pair, monkeypatch) -> Stubber:
    """Secrets Manager answering with the test servers' credentials, each asked exactly once."""
    client = boto3.client("secretsmanager", region_name="us-east-1")
    stubber = Stubber(client)
    for secret_id, side in (
        ("tapstack/sync/prod-reader", pair.source),
        ("tapstack/sync/staging-writer", pair.target),
    ):
        stubber.add_response(
            "get_secret_value",
            {"Name": secret_id, "SecretString": _secret(side)},
            {"SecretId": secret_id},
        )
    stubber.activate()
    monkeypatch.setattr(handler, "secrets_provider", SecretsProvider(boto3_client=client))
    yield stubber
    stubber.deactivate()


def _metrics(output: str) -> dict:
    """Metric name -> value from the EMF documents Powertools printed."""
    found = {}
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            for definition in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                value = document[definition["Name"]]
                found[definition["Name"]] = value[0] if isinstance(value, list) else value
                found["dimension:target"] = document.get("target")
    return found


def test_handler_syncs_the_target_and_emits_metrics(pair, secrets, lambda_context, capsys):
    # GIVEN prod and staging with drift in currencies
    pair.both(
        TABLE,
        ("INSERT INTO currencies VALUES (%s, %s)", [(f"C{i}", f"c {i}") for i in range(10)]),
        "INSERT INTO currencies VALUES ('EUR', 'Euro'), ('USD', 'Dollar')",
    )
    pair.source.run("UPDATE currencies SET name = 'US dollar' WHERE code = 'USD'")
    pair.target.run("INSERT INTO currencies VALUES ('XXX', 'gone')")

    # WHEN the scheduled event arrives
    result = handler.lambda_handler(_event("sync_staging.json"), lambda_context)

    # THEN staging equals prod, the result names the work and metrics are emitted
    assert pair.identical("currencies")
    assert result["target"] == "staging"
    assert 1 <= result["tables"][0]["rows_read_source"] <= 12  # a 12-row table is one chunk
    assert result["tables"][0] | {"seconds": 0, "rows_read_source": 0} == {
        "name": "currencies",
        "inserted": 0,
        "updated": 1,
        "deleted": 1,
        "chunks_compared": result["tables"][0]["chunks_compared"],
        "chunks_differing": result["tables"][0]["chunks_differing"],
        "rows_read_source": 0,
        "seconds": 0,
    }
    secrets.assert_no_pending_responses()
    emitted = _metrics(capsys.readouterr().out)
    assert emitted["RowsChanged"] == 2
    assert emitted["SyncFailures"] == 0
    assert emitted["RowsReadFromSource"] == result["tables"][0]["rows_read_source"]
    assert 0 <= emitted["SyncLagSeconds"] < 60
    assert emitted["dimension:target"] == "staging"


def test_handler_dry_run_covers_the_whole_allowlist_and_writes_nothing(
    pair, secrets, lambda_context
):
    for table in ("currencies", "fee_schedules", "merchant_categories"):
        pair.both(f"CREATE TABLE {table} (id INT PRIMARY KEY, v INT)")
        pair.source.run(f"INSERT INTO {table} VALUES (1, 1)")  # noqa: S608

    result = handler.lambda_handler(_event("sync_staging_dry_run.json"), lambda_context)

    assert result["dry_run"] is True
    assert sorted(t["name"] for t in result["tables"]) == [
        "currencies",
        "fee_schedules",
        "merchant_categories",
    ]
    assert all(t["inserted"] == 1 for t in result["tables"])
    assert pair.target.rows("currencies") == []


def test_handler_refuses_a_table_outside_the_configured_allowlist(
    pair, secrets, lambda_context, capsys
):
    with pytest.raises(BadInputError, match="not on the allowlist: accounts"):
        handler.lambda_handler(_event("sync_unknown_table.json"), lambda_context)
    assert _metrics(capsys.readouterr().out)["SyncFailures"] == 1


def test_handler_refuses_a_target_whose_database_says_prod(pair, secrets, lambda_context):
    pair.both(TABLE)
    pair.target.run("UPDATE tapstack_environment SET name = 'prod'")
    with pytest.raises(RefusedError, match="says it is 'prod'"):
        handler.lambda_handler(_event("sync_staging.json"), lambda_context)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        pytest.param({"target": "prod"}, "unknown target 'prod'; configured: staging", id="prod"),
        pytest.param({"target": "staging", "table": ["x"]}, "bad event", id="unknown-field"),
        pytest.param({}, "bad event", id="no-target"),
    ],
)
def test_handler_refuses_bad_events_before_reading_secrets(
    lambda_context, monkeypatch, event, message
):
    client = boto3.client("secretsmanager", region_name="us-east-1")
    monkeypatch.setattr(handler, "secrets_provider", SecretsProvider(boto3_client=client))
    # No responses queued: any secret read would fail the test with a Stubber error.
    with Stubber(client), pytest.raises(BadInputError, match=message):
        handler.lambda_handler(event, lambda_context)


def test_a_target_with_a_role_is_read_through_that_role_with_the_external_id(monkeypatch):
    # GIVEN staging is reached through its sync-target role
    role = "arn:aws:iam::222222222222:role/tapstack-sync-target-staging"
    monkeypatch.setattr(handler, "TARGET_ROLES", {"staging": role})
    monkeypatch.setattr(handler, "EXTERNAL_ID", "tapstack-reference-data-sync-v1")
    monkeypatch.setattr(handler, "_target_providers", {})
    sts = boto3.client("sts", region_name="us-east-1")
    credentials = {
        "AccessKeyId": "ASIAEXAMPLEEXAMPLE01",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": "2030-01-01T00:00:00Z",
    }
    with Stubber(sts) as stubber:
        stubber.add_response(
            "assume_role",
            {"Credentials": credentials},
            {
                "RoleArn": role,
                "RoleSessionName": "tapstack-sync-staging",
                "ExternalId": "tapstack-reference-data-sync-v1",
            },
        )
        # WHEN its secrets provider is asked for twice
        first = handler.target_secrets_provider("staging", sts)
        second = handler.target_secrets_provider("staging", sts)
        # THEN the role was assumed once (with the ExternalId), and its credentials are used
        stubber.assert_no_pending_responses()
    assert first is second
    used = first.client._request_signer._credentials
    assert used.access_key == "ASIAEXAMPLEEXAMPLE01"
