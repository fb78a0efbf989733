"""The resource properties of Custom::DatabaseMigration, checked (CloudFormation sends strings)."""

import re
from dataclasses import dataclass
from typing import Any, Literal

from tapstack_migrator.api import DEFAULT_LOCK_TIMEOUT_SECONDS
from tapstack_migrator.bundle import KEY
from tapstack_migrator.environment_marker import ENVIRONMENT_NAME

SYNC_ACCESS = ("reader", "writer", "none")


class InvalidPropertiesError(ValueError):
    """A resource property is missing or malformed; the message names it."""


@dataclass(frozen=True)
class MigrationProperties:
    """What the template tells the migrator."""

    environment_name: str
    migrations_bucket: str
    migrations_key: str
    database_endpoint: str
    database_port: int
    database_name: str
    master_secret_arn: str
    migrator_secret_arn: str
    sync_access: Literal["reader", "writer", "none"]
    sync_secret_arn: str | None
    sync_tables: tuple[str, ...]
    lock_timeout_seconds: int
    # The validator's own user (optional: a stack without one keeps none).
    validator_secret_arn: str | None = None
    validator_tables: tuple[str, ...] = ()

    @property
    def physical_id(self) -> str:
        """Stable for one schema on one cluster: an Update never replaces it."""
        return f"{self.database_endpoint}/{self.database_name}"

    @classmethod
    def from_event(cls, properties: dict[str, Any]) -> "MigrationProperties":
        """Parse `ResourceProperties`; raise naming the property that is wrong."""
        sync_access = properties.get("SyncAccess", "none")
        if sync_access not in SYNC_ACCESS:
            raise InvalidPropertiesError(
                f"SyncAccess must be one of {', '.join(SYNC_ACCESS)}; got {sync_access!r}"
            )
        key = _required(properties, "MigrationsKey")
        if not KEY.fullmatch(key):
            raise InvalidPropertiesError(
                f"MigrationsKey must be migrations/<sha256>.zip; got {key!r}"
            )
        tables = _tables(properties.get("SyncTables", []))
        if sync_access != "none" and not tables:
            raise InvalidPropertiesError(
                f"SyncTables must list tables when SyncAccess is {sync_access}"
            )
        validator_secret_arn = properties.get("ValidatorSecretArn")
        validator_tables = _tables(properties.get("ValidatorTables", []), "ValidatorTables")
        if validator_secret_arn is not None and not validator_tables:
            raise InvalidPropertiesError("ValidatorTables must list tables with ValidatorSecretArn")
        environment = _required(properties, "EnvironmentName")
        if not ENVIRONMENT_NAME.fullmatch(environment):
            raise InvalidPropertiesError(
                f"EnvironmentName must be a-z, 0-9 and - (at most 32); got {environment!r}"
            )
        return cls(
            environment_name=environment,
            migrations_bucket=_required(properties, "MigrationsBucket"),
            migrations_key=key,
            database_endpoint=_required(properties, "DatabaseEndpoint"),
            database_port=_integer(properties, "DatabasePort", 3306),
            database_name=_required(properties, "DatabaseName"),
            master_secret_arn=_required(properties, "MasterSecretArn"),
            migrator_secret_arn=_required(properties, "MigratorSecretArn"),
            sync_access=sync_access,
            sync_secret_arn=_required(properties, "SyncSecretArn")
            if sync_access != "none"
            else None,
            sync_tables=tables,
            lock_timeout_seconds=_integer(
                properties, "LockTimeoutSeconds", DEFAULT_LOCK_TIMEOUT_SECONDS
            ),
            validator_secret_arn=_required(properties, "ValidatorSecretArn")
            if validator_secret_arn is not None
            else None,
            validator_tables=validator_tables,
        )


def _required(properties: dict[str, Any], name: str) -> str:
    value = properties.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidPropertiesError(f"{name} is required (a non-empty string); got {value!r}")
    return value


def _integer(properties: dict[str, Any], name: str, default: int) -> int:
    value = properties.get(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise InvalidPropertiesError(f"{name} must be a positive integer; got {value!r}")
    return number


def _tables(value: Any, name: str = "SyncTables") -> tuple[str, ...]:
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(item, str) for item in names):
        raise InvalidPropertiesError(f"{name} must be a list of table names; got {value!r}")
    cleaned = tuple(item.strip() for item in names if item.strip())
    bad = [item for item in cleaned if not re.fullmatch(r"[A-Za-z0-9_]{1,64}", item)]
    if bad:
        raise InvalidPropertiesError(f"{name}: not plain table names: {bad!r}")
    return cleaned
