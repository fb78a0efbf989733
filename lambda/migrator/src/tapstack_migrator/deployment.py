"""What Create and Update do: the migrator user, the environment marker, migrations from the
bundle, then the sync user and the validator user.

Plain functions over injected clients (an S3 client and a Powertools SecretsProvider), so they
run the same in Lambda, in the emulator and in tests.
"""

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pymysql.connections import Connection

from tapstack_migrator.api import migrate
from tapstack_migrator.bundle import expected_sha256, extract_bundle
from tapstack_migrator.connection import ConnectionSettings
from tapstack_migrator.environment_marker import ensure_environment_marker
from tapstack_migrator.properties import MigrationProperties
from tapstack_migrator.retry import with_retries
from tapstack_migrator.runner import RunReport
from tapstack_migrator.table_classes import check_reference_tables
from tapstack_migrator.users import (
    DatabaseUser,
    boundary_grants,
    ensure_user,
    migrator_user,
    sync_user,
    validator_user,
)

logger = logging.getLogger(__name__)


class SecretFormatError(ValueError):
    """A secret lacks the `username`/`password` JSON keys RDS-style secrets have."""


def deploy_schema(
    properties: MigrationProperties, *, s3: Any, secrets: Any, ca_bundle: str | None
) -> RunReport:
    """Create/update the users and apply the bundle's pending migrations."""
    master_name, master_password = credentials(secrets, properties.master_secret_arn)
    master = ConnectionSettings(
        host=properties.database_endpoint,
        port=properties.database_port,
        user=master_name,
        password=master_password,
        database=properties.database_name,
        ca_bundle=ca_bundle,
    )
    migrator = migrator_user(
        *credentials(secrets, properties.migrator_secret_arn), properties.database_name
    )
    ensure_users(master, migrator)
    as_migrator = master.as_user(migrator.name, migrator.password)
    # Before anything is applied: a stack pointed at another environment's database stops here.
    with_retries(lambda: mark_environment(as_migrator, properties.environment_name))
    with tempfile.TemporaryDirectory(prefix="migrations-") as scratch:
        directory = Path(scratch)
        download_bundle(s3, properties.migrations_bucket, properties.migrations_key, directory)
        report = migrate(
            as_migrator.connect, directory, lock_timeout=properties.lock_timeout_seconds
        )
    if properties.sync_access != "none":
        assert properties.sync_secret_arn is not None
        name, password = credentials(secrets, properties.sync_secret_arn)
        tables = list(properties.sync_tables)

        def sync_account(connection: Connection) -> DatabaseUser:
            # The schema's own classification is the second barrier beside the allowlist.
            check_reference_tables(connection, tables)
            boundary = (
                boundary_grants(connection, properties.database_name, tables)
                if properties.sync_access == "writer"
                else ()
            )
            return sync_user(
                name, password, properties.database_name, properties.sync_access, tables, boundary
            )

        ensure_users(master, sync_account)
    if properties.validator_secret_arn is not None:
        name, password = credentials(secrets, properties.validator_secret_arn)
        tables = list(properties.validator_tables)
        ensure_users(master, validator_user(name, password, properties.database_name, tables))
    logger.info("applied %s; schema version %s", report.applied or "nothing", report.schema_version)
    return report


def credentials(secrets: Any, secret_arn: str) -> tuple[str, str]:
    """(username, password) from an RDS-style JSON secret."""
    value = secrets.get(secret_arn, transform="json", force_fetch=True)
    if not isinstance(value, dict) or not {"username", "password"} <= value.keys():
        raise SecretFormatError(f"secret {secret_arn} must be JSON with username and password keys")
    return value["username"], value["password"]


def ensure_users(
    master: ConnectionSettings, *users: DatabaseUser | Callable[[Connection], DatabaseUser]
) -> None:
    """Create or update `users` (or users built from the master connection) through the master
    account, retrying transient errors."""

    def attempt() -> None:
        connection: Connection = master.connect()
        try:
            for wanted in users:
                user = wanted if isinstance(wanted, DatabaseUser) else wanted(connection)
                ensure_user(connection, user)
                logger.info("database user %s has its grants", user.name)
        finally:
            connection.close()

    with_retries(attempt)


def mark_environment(settings: ConnectionSettings, environment: str) -> None:
    """Write or check the environment marker through `settings` (see environment_marker)."""
    connection: Connection = settings.connect()
    try:
        ensure_environment_marker(connection, environment)
    finally:
        connection.close()


def download_bundle(s3: Any, bucket: str, key: str, directory: Path) -> None:
    """Fetch s3://bucket/key and unpack it into `directory`, checking its content hash."""
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    extract_bundle(data, directory, expected_sha256(key))
