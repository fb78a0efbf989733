"""The demo's databases: connect as the master user, seed prod's reference data and staging's
drift, and fingerprint the production tables."""

import json
import uuid

import pymysql

from tapstack_tools.aws_accounts import account_session
from tapstack_tools.deployment import GROUPS, group_state
from tapstack_tools.sync_demo_data import PROD_REFERENCE_DATA, PRODUCTION_TABLES, STAGING_DRIFT


def connect(environment: str) -> pymysql.connections.Connection:
    """The environment's database as its master user (the demo seeds and fingerprints)."""
    session = account_session(environment)
    (database,) = [
        s for s in group_state(f"{environment}/us-east-1") if s.name.endswith("/cluster")
    ]
    secret = json.loads(
        session.client("secretsmanager").get_secret_value(
            SecretId=database.outputs["MasterSecretArn"]
        )["SecretString"]
    )
    return pymysql.connect(
        host=database.outputs["ClusterEndpoint"],
        port=int(database.outputs["ClusterPort"]),
        user=secret["username"],
        password=secret["password"],
        database=database.outputs["DatabaseName"],
        autocommit=True,
    )


def _upsert(connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    placeholders = ", ".join(["%s"] * len(columns))
    updates = ", ".join(f"{column} = VALUES({column})" for column in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608 - our constants
            f"ON DUPLICATE KEY UPDATE {updates}",
            rows,
        )


def seed_prod_reference_data() -> None:
    """The demo's reference tables in prod (idempotent)."""
    with connect("prod") as prod:
        for table, columns, rows in PROD_REFERENCE_DATA:
            _upsert(prod, table, columns, rows)


def seed() -> None:
    """Demo reference data and one production transaction in prod; drift and a transaction of
    its own in staging."""
    seed_prod_reference_data()
    with connect("prod") as prod:
        _add_transaction(prod, "prod-demo-0001", "USD", "5411")
    with connect("staging") as staging:
        for table, columns, rows in STAGING_DRIFT:
            _upsert(staging, table, columns, rows)
        _upsert(
            staging,
            "merchant_categories",
            ("mcc", "description", "category_group"),
            [("5411", "Grocery stores, supermarkets", "retail")],
        )
        _add_transaction(staging, "staging-test-0001", "EUR", "5411")


def _add_transaction(connection, key: str, currency: str, mcc: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT IGNORE INTO accounts (id, external_id, legal_name, mcc, default_currency, "
            "status) VALUES (1, %s, %s, %s, %s, 'active')",
            (str(uuid.uuid5(uuid.NAMESPACE_URL, key)), f"{key} merchant", mcc, currency),
        )
        cursor.execute(
            "INSERT IGNORE INTO transactions (account_id, idempotency_key, kind, status, amount, "
            "currency_code, occurred_at) VALUES (1, %s, 'capture', 'settled', 42.5000, %s, "
            "'2026-11-23 12:00:00.000000')",
            (key, currency),
        )


def production_fingerprints() -> dict[str, dict[str, str]]:
    """Per environment and production table: row count and checksum."""
    fingerprints = {}
    for group in GROUPS:
        environment = group.split("/")[0]
        with connect(environment) as connection, connection.cursor() as cursor:
            for table in PRODUCTION_TABLES:
                cursor.execute(f"CHECKSUM TABLE {table}")
                (_name, checksum) = cursor.fetchone()
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
                (count,) = cursor.fetchone()
                fingerprints.setdefault(environment, {})[table] = f"{count} rows #{checksum}"
    return fingerprints
