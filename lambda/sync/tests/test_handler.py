"""The Lambda handler: DSNs from Secrets Manager (botocore Stubber checks each request),
Powertools metrics on stdout, the same engine underneath (mariadb)."""

import json
from pathlib import Path

import boto3
import pytest
import tapstack_db
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from botocore.stub import Stubber
from tapstack_local_mariadb import issue
from tapstack_sync import BadInputError, RefusedError, SyncError, handler
from tapstack_sync.target_endpoint import TargetEndpoint, check_inside_vpc

pytestmark = pytest.mark.mariadb

EVENTS = Path(__file__).parent / "events"
TABLE = "CREATE TABLE currencies (code CHAR(3) PRIMARY KEY, name VARCHAR(64) NOT NULL)"


def _event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def _secret(side, **hostile) -> str:
    dsn = side.dsn
    return json.dumps(
        {
            "engine": "mysql",
            "username": dsn.user,
            "password": dsn.password.get_secret_value(),
            "host": dsn.host,
            "port": dsn.port,
            "dbname": dsn.database,
            **hostile,
        }
    )


# What a staging administrator can write into staging's sync-writer secret: another host, port
# and schema, and a CA file of the image that trusts far more than RDS.
HOSTILE = {
    "host": "rogue.staging.example",
    "port": 1,
    "dbname": "mysql",
    "ssl_ca": "/etc/ssl/certs/ca-certificates.crt",
}


# The test servers listen on loopback: here that is staging's "VPC".
TEST_VPC = "127.0.0.0/8"


@pytest.fixture
def endpoints(pair, server_tls, monkeypatch) -> None:
    """Prod's side of the connection facts: its reader and staging's published endpoint, and
    the test CA (which signed the test servers' certificates) in place of the RDS bundle."""
    monkeypatch.setattr(handler, "SOURCE_HOST", pair.source.dsn.host)
    monkeypatch.setattr(handler, "CA_BUNDLE", str(server_tls.ca))
    target = pair.target.dsn
    monkeypatch.setattr(
        handler,
        "TARGET_ENDPOINTS",
        {
            "staging": {
                "host": target.host,
                "port": target.port,
                "database": target.database,
                "vpc_cidr": TEST_VPC,
            }
        },
    )


@pytest.fixture
def target_secret() -> dict:
    """Extra fields written into the staging secret (none by default)."""
    return {}


@pytest.fixture
def secrets(pair, endpoints, target_secret, monkeypatch) -> Stubber:
    """Secrets Manager answering with the test servers' credentials, each asked exactly once."""
    client = boto3.client("secretsmanager", region_name="us-east-1")
    stubber = Stubber(client)
    for secret_id, text in (
        ("tapstack/sync/prod-reader", _secret(pair.source)),
        ("tapstack/sync/staging-writer", _secret(pair.target, **target_secret)),
    ):
        stubber.add_response(
            "get_secret_value",
            {"Name": secret_id, "SecretString": text},
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


@pytest.mark.parametrize("target_secret", [HOSTILE])
def test_a_hostile_target_secret_changes_nothing_but_the_account(
    pair, secrets, lambda_context, monkeypatch, target_secret
):
    # GIVEN staging's secret names another host, port, schema and CA (HOSTILE)
    pair.both(TABLE)
    pair.source.run("INSERT INTO currencies VALUES ('EUR', 'Euro')")
    used: list = []
    original = handler.sync
    monkeypatch.setattr(handler, "sync", lambda request: used.append(request) or original(request))
    # WHEN the sync runs
    result = handler.lambda_handler(_event("sync_staging.json"), lambda_context)
    # THEN it connected where prod's configuration says, with the packaged CA, and synced
    target = used[0].target
    assert (target.host, target.port, target.database) == (
        pair.target.dsn.host, pair.target.dsn.port, pair.target.dsn.database,
    )  # fmt: skip
    assert target.ssl_ca == handler.CA_BUNDLE
    assert not {target.host, str(target.port), target.database, target.ssl_ca} & {
        str(value) for value in HOSTILE.values()
    }
    assert result["rows_changed"] == 1
    assert pair.target.rows("currencies") == [("EUR", "Euro")]


def test_the_source_is_prods_reader_endpoint_not_the_host_in_its_secret(pair, secrets, monkeypatch):
    # GIVEN prod's reader endpoint, and prod's secret naming the cluster's (writer) host
    monkeypatch.setattr(handler, "SOURCE_HOST", "tapstack-db-prod.cluster-ro-x.example")
    # WHEN the source is resolved THEN it is the reader, with the secret's port and schema
    dsn = handler.source_dsn(handler.secrets_provider)
    assert dsn.host == "tapstack-db-prod.cluster-ro-x.example"
    assert (dsn.port, dsn.database) == (pair.source.dsn.port, pair.source.dsn.database)


def _tls_handshakes(side) -> int:
    """How many TLS handshakes `side`'s server has completed so far."""
    return int(
        side.scalar(
            "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
            "WHERE VARIABLE_NAME = 'SSL_FINISHED_ACCEPTS'"
        )
    )


def test_every_connection_is_tls_verified_against_the_packaged_rds_bundle(
    pair, secrets, lambda_context
):
    # GIVEN the image's CA setting: the one packaged bundle every database Lambda ships
    # (tapstack_db; the fixture swaps in the test CA only for the run below)
    assert handler.RDS_CA_BUNDLE == tapstack_db.RDS_CA_BUNDLE
    assert b"-----BEGIN CERTIFICATE-----" in Path(tapstack_db.RDS_CA_BUNDLE).read_bytes()
    # WHEN the sync runs
    pair.both(TABLE)
    before = (_tls_handshakes(pair.source), _tls_handshakes(pair.target))
    handler.lambda_handler(_event("sync_staging.json"), lambda_context)
    # THEN both servers completed TLS handshakes with it
    after = (_tls_handshakes(pair.source), _tls_handshakes(pair.target))
    assert after[0] > before[0] and after[1] > before[1]


def test_a_server_certificate_the_ca_did_not_sign_fails_before_anything_is_written(
    pair, secrets, lambda_context, tmp_path, monkeypatch
):
    # GIVEN servers whose certificate another CA signed (a stand-in server with "its own" CA)
    pair.both(TABLE)
    pair.source.run("INSERT INTO currencies VALUES ('EUR', 'Euro')")
    monkeypatch.setattr(handler, "CA_BUNDLE", str(issue(tmp_path, "other-ca", ["127.0.0.1"]).ca))
    # WHEN/THEN the handshake fails and staging is untouched
    with pytest.raises(SyncError, match=r"cannot connect to the source .*TLS/SSL error"):
        handler.lambda_handler(_event("sync_staging.json"), lambda_context)
    assert pair.target.rows("currencies") == []


def _resolving(*addresses: str):
    def resolve(host, port, **_kwargs):
        return [(2, 1, 6, "", (address, port)) for address in addresses]

    return resolve


@pytest.mark.parametrize(
    ("host", "addresses", "shown"),
    [
        pytest.param("db.attacker.example", ("203.0.113.7",), "203.0.113.7", id="internet"),
        pytest.param("tapstack-prod.cluster-x", ("10.3.8.20",), "10.3.8.20", id="prod-itself"),
        pytest.param("tapstack-dev.cluster-x", ("10.1.8.20",), "10.1.8.20", id="another-peer"),
        pytest.param("split.example", ("10.2.8.20", "10.3.8.20"), "10.3.8.20", id="one-of-two"),
        pytest.param("v6.example", ("fd00::5",), "fd00::5", id="ipv6"),
        pytest.param("empty.example", (), "no address", id="no-answer"),
    ],
)
def test_a_target_endpoint_outside_its_vpc_is_refused_naming_it(host, addresses, shown):
    # GIVEN staging's published endpoint now leads outside staging's VPC (10.2.0.0/16)
    endpoint = TargetEndpoint(host=host, port=3306, database="tapstack", vpc_cidr="10.2.0.0/16")
    # WHEN/THEN the check refuses, naming the target, the host, the address and the VPC
    with pytest.raises(RefusedError) as refused:
        check_inside_vpc("staging", endpoint, resolve=_resolving(*addresses))
    assert refused.value.exit_code == 2
    message = str(refused.value)
    assert all(part in message for part in ("target staging", host, shown, "10.2.0.0/16"))


def test_an_endpoint_resolving_inside_its_vpc_passes():
    endpoint = TargetEndpoint(host="db", port=3306, database="tapstack", vpc_cidr="10.2.0.0/16")
    check_inside_vpc("staging", endpoint, resolve=_resolving("10.2.8.20", "10.2.9.20"))


def test_an_endpoint_outside_the_vpc_stops_the_run_before_any_role_or_secret(
    lambda_context, monkeypatch
):
    # GIVEN staging's endpoint is a real, reachable server (127.0.0.1) outside the VPC given
    monkeypatch.setattr(
        handler,
        "TARGET_ENDPOINTS",
        {"staging": {"host": "127.0.0.1", "port": 3306, "database": "tapstack",
                     "vpc_cidr": "10.2.0.0/16"}},
    )  # fmt: skip
    client = boto3.client("secretsmanager", region_name="us-east-1")
    monkeypatch.setattr(handler, "secrets_provider", SecretsProvider(boto3_client=client))
    # No responses queued: any secret read would fail the test with a Stubber error.
    with (
        Stubber(client),
        pytest.raises(RefusedError, match=r"outside staging's VPC 10\.2\.0\.0/16"),
    ):
        handler.lambda_handler(_event("sync_staging.json"), lambda_context)


@pytest.mark.parametrize(
    "endpoint",
    [
        pytest.param({"host": "db", "port": 3306, "database": "tapstack"}, id="no-vpc"),
        pytest.param(
            {"host": "db", "port": 3306, "database": "tapstack", "vpc_cidr": "10.2/99"},
            id="bad-cidr",
        ),
    ],
)
def test_a_target_endpoint_without_a_valid_vpc_is_bad_configuration(monkeypatch, endpoint):
    monkeypatch.setattr(handler, "TARGET_ENDPOINTS", {"staging": endpoint})
    with pytest.raises(BadInputError, match=r"SYNC_TARGET_ENDPOINTS\['staging'\].*vpc_cidr"):
        handler.checked_target_endpoint("staging")
