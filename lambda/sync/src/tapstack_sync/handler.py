"""The sync Lambda (prod's VPC): credentials from Secrets Manager, one target per invocation.

Environment (set by the sync stack; secret *names* only, never secrets):
  SYNC_SOURCE_SECRET    prod's sync-reader secret (SELECT on the allow-listed tables)
  SYNC_SOURCE_HOST      prod's reader endpoint (the database stack's ReaderEndpoint): the sync
                        reads from the reader, never the writer
  SYNC_TARGET_SECRETS   JSON object, environment name -> that target's sync-writer secret
  SYNC_TARGET_ENDPOINTS JSON object, environment name -> {"host", "port", "database",
                        "vpc_cidr"}: where that target's database is, as prod's deploy read it
                        from the target's published stack outputs, and the target's VPC CIDR
                        from the address plan. Never taken from the target's secret
  SYNC_ALLOWLIST        comma-separated tables that may be synced (from config/)
  SYNC_MAX_CHANGE_RATIO optional brake threshold (default 0.2)
  SYNC_TARGET_ROLES     optional JSON object, environment name -> role in that target's account
                        to assume (with SYNC_EXTERNAL_ID) before reading its secret; a target
                        without one is read with the function's own credentials
Event: {"target": "staging", "tables": [...], "dry_run": false, "force": false}; tables
defaults to the whole allowlist.

Trust (ARCHITECTURE.md, "Trust model"; docs/security.md): a target's secret lives in staging's
or dev's account, where their administrators can change it. Only its `username` and `password`
are read; a `host`, `port`, `dbname` or `ssl_ca` in it is ignored, so whoever controls that
secret cannot point prod's sync at a server of their choosing or swap the CA that verifies it. The
target's endpoint must resolve inside its VPC CIDR before anything is read
(`target_endpoint.check_inside_vpc`), and every connection, source and target, uses TLS verified
against the RDS CA bundle packaged in `tapstack_db` (the one copy every database Lambda ships)
with identity verification; nothing in the environment or a secret can
turn TLS off or name another CA.
The source is prod's reader endpoint in its own region, deliberately not the failover writer
name `/tapstack/prod/db/writer-dns` the validator follows (docs/decisions/);
its port and schema come from prod's own sync-reader secret.
"""

import json
import os
from dataclasses import asdict
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from tapstack_db import RDS_CA_BUNDLE

from tapstack_sync.dsn import Dsn, Secret
from tapstack_sync.engine import sync
from tapstack_sync.errors import BadInputError, SyncError
from tapstack_sync.models import DEFAULT_MAX_CHANGE_RATIO, SyncReport, SyncRequest
from tapstack_sync.target_endpoint import TargetEndpoint, check_inside_vpc

logger = Logger(service="tapstack-sync")
metrics = Metrics(namespace="tapstack", service="tapstack-sync")
secrets_provider = parameters.SecretsProvider()

SOURCE_SECRET = os.environ["SYNC_SOURCE_SECRET"]
SOURCE_HOST = os.environ["SYNC_SOURCE_HOST"]
TARGET_SECRETS: dict[str, str] = json.loads(os.environ["SYNC_TARGET_SECRETS"])
TARGET_ENDPOINTS: dict[str, dict] = json.loads(os.environ["SYNC_TARGET_ENDPOINTS"])
ALLOWLIST = [t.strip() for t in os.environ["SYNC_ALLOWLIST"].split(",") if t.strip()]
MAX_CHANGE_RATIO = float(os.environ.get("SYNC_MAX_CHANGE_RATIO", DEFAULT_MAX_CHANGE_RATIO))
TARGET_ROLES: dict[str, str] = json.loads(os.environ.get("SYNC_TARGET_ROLES") or "{}")
EXTERNAL_ID = os.environ.get("SYNC_EXTERNAL_ID", "")
CA_BUNDLE = RDS_CA_BUNDLE
SECRET_MAX_AGE_SECONDS = 300


class SyncEvent(BaseModel):
    """What one invocation is asked to do."""

    model_config = ConfigDict(extra="forbid")

    target: str = Field(min_length=1)
    tables: list[str] = Field(default_factory=list)
    dry_run: bool = False
    force: bool = False


class Credentials(BaseModel):
    """What the sync reads from a database secret: the account, nothing else (any other field,
    `host` or `ssl_ca` included, is ignored)."""

    model_config = ConfigDict(extra="ignore")

    username: str = Field(min_length=1)
    password: SecretStr


class SourceSecret(Credentials):
    """Prod's own sync-reader secret: also the port and schema of prod's cluster."""

    port: int = 3306
    dbname: str


def _read(secret_id: str, provider: parameters.SecretsProvider, model: type[Credentials]):
    value = provider.get(secret_id, transform="json", max_age=SECRET_MAX_AGE_SECONDS)
    try:
        return model.model_validate(value)
    except ValidationError as err:
        fields = ", ".join(str(error["loc"][0]) for error in err.errors())
        raise BadInputError(f"secret {secret_id}: missing or invalid {fields}") from None


def source_dsn(provider: parameters.SecretsProvider) -> Dsn:
    """Prod's reader endpoint, with the account, port and schema of prod's sync-reader secret."""
    secret = _read(SOURCE_SECRET, provider, SourceSecret)
    return Dsn(
        host=SOURCE_HOST,
        port=secret.port,
        user=secret.username,
        password=Secret(secret.password.get_secret_value()),
        database=secret.dbname,
        ssl_ca=CA_BUNDLE,
    )


def checked_target_endpoint(target: str) -> TargetEndpoint:
    """`target`'s endpoint from prod's configuration, refused unless it resolves inside the
    target's VPC CIDR (before any role is assumed or secret read)."""
    try:
        endpoint = TargetEndpoint.model_validate(TARGET_ENDPOINTS[target])
    except ValidationError as err:
        fields = ", ".join(str(error["loc"][0]) for error in err.errors())
        raise BadInputError(
            f"SYNC_TARGET_ENDPOINTS[{target!r}]: missing or invalid {fields}"
        ) from None
    check_inside_vpc(target, endpoint)
    return endpoint


def target_dsn(
    endpoint: TargetEndpoint, secret_id: str, provider: parameters.SecretsProvider
) -> Dsn:
    """The checked endpoint, with the account (and nothing else) from the target's secret."""
    secret = _read(secret_id, provider, Credentials)
    return Dsn(
        host=endpoint.host,
        port=endpoint.port,
        user=secret.username,
        password=Secret(secret.password.get_secret_value()),
        database=endpoint.database,
        ssl_ca=CA_BUNDLE,
    )


_target_providers: dict[str, parameters.SecretsProvider] = {}


def target_secrets_provider(target: str, sts: Any = None) -> parameters.SecretsProvider:
    """Secrets of `target`'s account, read as its sync-target role (assumed with the
    ExternalId); kept for the container's life (the role session lasts an hour, a run five
    minutes at most)."""
    if target not in _target_providers:
        credentials = (sts or boto3.client("sts")).assume_role(
            RoleArn=TARGET_ROLES[target],
            RoleSessionName=f"tapstack-sync-{target}",
            ExternalId=EXTERNAL_ID,
        )["Credentials"]
        session = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        _target_providers[target] = parameters.SecretsProvider(boto3_session=session)
    return _target_providers[target]


def run(event: SyncEvent, provider: parameters.SecretsProvider) -> SyncReport:
    """Sync one target from prod."""
    if event.target not in TARGET_SECRETS or event.target not in TARGET_ENDPOINTS:
        configured = sorted(set(TARGET_SECRETS) & set(TARGET_ENDPOINTS))
        raise BadInputError(f"unknown target {event.target!r}; configured: {', '.join(configured)}")
    endpoint = checked_target_endpoint(event.target)
    target_provider = (
        target_secrets_provider(event.target) if event.target in TARGET_ROLES else provider
    )
    request = SyncRequest(
        source=source_dsn(provider),
        target=target_dsn(endpoint, TARGET_SECRETS[event.target], target_provider),
        tables=event.tables,
        allowlist=ALLOWLIST,
        target_env=event.target,
        dry_run=event.dry_run,
        force=event.force,
        max_change_ratio=MAX_CHANGE_RATIO,
    )
    return sync(request)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Run the sync; failures are logged, counted and raised (Step Functions sees the type)."""
    try:
        parsed = SyncEvent.model_validate(event)
    except ValidationError as err:
        metrics.add_metric(name="SyncFailures", unit=MetricUnit.Count, value=1)
        raise BadInputError(f"bad event: {err}") from err
    metrics.add_dimension(name="target", value=parsed.target)
    try:
        report = run(parsed, secrets_provider)
    except SyncError as err:
        metrics.add_metric(name="SyncFailures", unit=MetricUnit.Count, value=1)
        logger.error("sync failed", extra={"error": str(err), "exit_code": err.exit_code})
        raise
    metrics.add_metric(name="SyncFailures", unit=MetricUnit.Count, value=0)
    metrics.add_metric(name="RowsChanged", unit=MetricUnit.Count, value=report.rows_changed)
    metrics.add_metric(
        name="RowsReadFromSource",
        unit=MetricUnit.Count,
        value=sum(table.rows_read_source for table in report.tables),
    )
    metrics.add_metric(name="SyncLagSeconds", unit=MetricUnit.Seconds, value=report.lag_seconds)
    for table in report.tables:
        logger.info("table synced", extra={"table": asdict(table)})
    return {"target": parsed.target, "rows_changed": report.rows_changed, **report.as_dict()}
