"""Fixtures of the validator tests: the real schema (migrations/) on the session's MariaDB
with a few reference rows, and the handler module imported afresh under a chosen environment
(the shared `load_event` fixture is lambda/conftest.py's)."""

import importlib
from collections.abc import Callable
from pathlib import Path

import pymysql
import pytest
from tapstack_migrator import ConnectionSettings, migrate

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"
REFERENCE_ROWS = [
    "INSERT INTO currencies (code, numeric_code, name, symbol, minor_units, is_active) VALUES "
    "('USD', 840, 'US Dollar', '$', 2, TRUE), ('JPY', 392, 'Yen', 'Y', 0, TRUE), "
    "('EUR', 978, 'Euro', 'E', 2, TRUE), ('DEM', 276, 'Deutsche Mark', NULL, 2, FALSE)",
    "INSERT INTO merchant_categories (mcc, description, category_group, risk_level) VALUES "
    "('5411', 'Grocery stores', 'retail', 'low'), ('7995', 'Betting', 'gambling', 'high')",
    # 5411/USD: 2.9% + 0.30 from 2026; before that 3.5% + 0.30 (ended); 7995/USD bounded.
    "INSERT INTO fee_schedules (mcc, currency_code, effective_from, effective_to, "
    "percentage_fee, fixed_fee, minimum_fee, maximum_fee) VALUES "
    "('5411', 'USD', '2025-01-01 00:00:00', '2026-01-01 00:00:00', 3.5000, 0.3000, NULL, NULL),"
    "('5411', 'USD', '2026-01-01 00:00:00', NULL, 2.9000, 0.3000, NULL, NULL),"
    "('5411', 'JPY', '2026-01-01 00:00:00', NULL, 3.0000, 0.0000, NULL, NULL),"
    "('7995', 'USD', '2026-01-01 00:00:00', NULL, 5.0000, 0.0000, 1.0000, 50.0000)",
]


@pytest.fixture
def reference_database(mariadb, database) -> ConnectionSettings:
    """A fresh schema with migrations/ applied and the reference rows above."""
    settings = ConnectionSettings(
        host=mariadb.host,
        port=mariadb.port,
        user=mariadb.user,
        password=mariadb.password,
        database=database,
    )
    migrate(settings.connect, MIGRATIONS)
    connection = settings.connect()
    try:
        with connection.cursor() as cursor:
            for statement in REFERENCE_ROWS:
                cursor.execute(statement)
    finally:
        connection.close()
    return settings


@pytest.fixture
def reference_connection(reference_database) -> pymysql.connections.Connection:
    """An open connection to the reference database, closed afterwards."""
    connection = reference_database.connect()
    yield connection
    connection.close()


@pytest.fixture
def handler_module(monkeypatch) -> Callable[[dict[str, str]], object]:
    """`load(env)`: the handler imported afresh (module-scope settings and clients) under `env`,
    with Powertools' parameter caches empty."""
    from aws_lambda_powertools.utilities import parameters

    def load(env: dict[str, str]) -> object:
        for name, value in {
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_METRICS_NAMESPACE": "tapstack",
            **env,
        }.items():
            monkeypatch.setenv(name, value)
        parameters.clear_caches()
        return importlib.reload(importlib.import_module("tapstack_validator.handler"))

    yield load
    parameters.clear_caches()
