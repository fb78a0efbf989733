"""The handler on the local AWS: connection facts from SSM parameters (the writer's stable name
and the SecureString facts), the credentials from Secrets Manager, reference data from MariaDB,
session state in DynamoDB."""

import json
import uuid

import pytest
from tapstack_validator.database import DatabaseSettingsError
from tapstack_validator.host_name import UnresolvableHostError

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb]


@pytest.fixture
def environment(local_aws, reference_database):
    """SSM parameters and secret pointing at the reference database, and a sessions table;
    the environment variables the compute stack would set."""
    path = f"/tapstack/t{uuid.uuid4().hex[:8]}/db"
    key = local_aws.client("kms").create_key(Description="validator test")["KeyMetadata"]["Arn"]
    secret = f"tapstack/t/{uuid.uuid4().hex[:8]}/db/validator"
    local_aws.client("secretsmanager").create_secret(
        Name=secret,
        KmsKeyId=key,
        SecretString=json.dumps(
            {"username": reference_database.user, "password": reference_database.password}
        ),
    )
    ssm = local_aws.client("ssm")
    # The validator connects through the stable writer name (a plain String, as the database
    # stack and the baseline publish it): `localhost`, which resolves canonically to itself and
    # to the server's 127.0.0.1. The cluster endpoint is published too, but pointing nowhere,
    # so a connection through it would fail.
    ssm.put_parameter(Name=f"{path}/writer-dns", Value="localhost", Type="String")
    for leaf, value in {
        "endpoint": "cluster-endpoint.invalid",
        "port": str(reference_database.port),
        "name": reference_database.database,
    }.items():
        ssm.put_parameter(Name=f"{path}/{leaf}", Value=value, Type="SecureString", KeyId=key)
    table = f"sessions-{uuid.uuid4().hex[:8]}"
    dynamodb = local_aws.client("dynamodb")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "session_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "session_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield {
        **local_aws.env(),
        "DATABASE_PARAMETERS_PATH": path,
        "DATABASE_SECRET_ID": secret,
        "SESSIONS_TABLE": table,
        "DATABASE_CA_BUNDLE": "",
    }
    dynamodb.delete_table(TableName=table)


def test_validates_and_keeps_the_session(
    environment, handler_module, load_event, lambda_context, local_aws
):
    # GIVEN the handler configured as the compute stack configures it
    module = handler_module(environment)
    # WHEN a valid and then an invalid transaction of one session arrive
    valid = module.handler(load_event("valid"), lambda_context)
    invalid = module.handler(load_event("unknown_currency"), lambda_context)
    # THEN the answers carry the outcome and the fee
    assert (valid["valid"], valid["problems"], valid["fee"]) == (True, [], "3.20")
    assert (invalid["valid"], invalid["problems"]) == (False, ["currency XXX is unknown"])
    # AND the session in DynamoDB counts both, keeps the last outcome and expires in a day
    item = local_aws.client("dynamodb").get_item(
        TableName=environment["SESSIONS_TABLE"], Key={"session_id": {"S": "checkout-7f3a"}}
    )["Item"]
    assert item["validated"] == {"N": "2"}
    assert item["rejected"] == {"N": "1"}
    assert item["last_transaction_id"] == {"S": "tx-0002"}
    assert item["last_outcome"] == {"S": "invalid"}
    assert int(item["expires_at"]["N"]) - int(item["updated_at"]["N"]) == 24 * 60 * 60
    assert invalid["session"]["validated"] == 2


def test_malformed_payload_is_answered_and_not_recorded(
    environment, handler_module, load_event, lambda_context, local_aws
):
    module = handler_module(environment)
    answer = module.handler(load_event("malformed"), lambda_context)
    assert answer["valid"] is False
    fields = sorted(problem.split(":")[0] for problem in answer["problems"])
    assert fields == ["amount", "currency", "occurred_at", "transaction_id"]
    scanned = local_aws.client("dynamodb").scan(TableName=environment["SESSIONS_TABLE"])
    assert scanned["Items"] == []


def test_missing_connection_parameter_names_the_path(
    environment, handler_module, load_event, lambda_context, local_aws
):
    local_aws.client("ssm").delete_parameter(Name=f"{environment['DATABASE_PARAMETERS_PATH']}/port")
    module = handler_module(environment)
    with pytest.raises(DatabaseSettingsError, match=r"/db lacks port"):
        module.handler(load_event("valid"), lambda_context)


def test_missing_writer_name_names_the_parameter(
    environment, handler_module, load_event, lambda_context, local_aws
):
    local_aws.client("ssm").delete_parameter(
        Name=f"{environment['DATABASE_PARAMETERS_PATH']}/writer-dns"
    )
    module = handler_module(environment)
    with pytest.raises(DatabaseSettingsError, match=r"/db lacks writer-dns \(the database stack"):
        module.handler(load_event("valid"), lambda_context)


def test_writer_name_that_does_not_resolve_is_one_error_naming_parameter_and_name(
    environment, handler_module, load_event, lambda_context, local_aws
):
    # GIVEN a writer name no resolver knows (as when the private zone is not associated)
    parameter = f"{environment['DATABASE_PARAMETERS_PATH']}/writer-dns"
    local_aws.client("ssm").put_parameter(
        Name=parameter, Value="writer.db.nowhere.invalid", Type="String", Overwrite=True
    )
    module = handler_module(environment)
    # WHEN a transaction arrives THEN the error names the parameter and the name it holds
    with pytest.raises(UnresolvableHostError) as raised:
        module.handler(load_event("valid"), lambda_context)
    assert str(raised.value).startswith(
        f"database host 'writer.db.nowhere.invalid' (from SSM parameter {parameter}) "
        "does not resolve: "
    )
    # AND nothing was recorded for the session
    scanned = local_aws.client("dynamodb").scan(TableName=environment["SESSIONS_TABLE"])
    assert scanned["Items"] == []


@pytest.mark.parametrize("name", ["DATABASE_PARAMETERS_PATH", "DATABASE_SECRET_ID"])
def test_missing_setting_fails_at_cold_start_with_its_name(handler_module, monkeypatch, name):
    settings = {
        "DATABASE_PARAMETERS_PATH": "/p",
        "DATABASE_SECRET_ID": "s",
        "SESSIONS_TABLE": "sessions",
        "DATABASE_CA_BUNDLE": "",
    }
    monkeypatch.delenv(name, raising=False)
    with pytest.raises(KeyError, match=name):
        handler_module({k: v for k, v in settings.items() if k != name})
