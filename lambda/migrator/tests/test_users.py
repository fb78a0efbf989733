"""Least-privilege users on a real MariaDB: each can do its job and nothing else."""

import dataclasses
from pathlib import Path
from secrets import token_urlsafe

import pymysql
import pytest
from tapstack_migrator import migrate
from tapstack_migrator.users import ensure_user, migrator_user, sync_user

pytestmark = pytest.mark.mariadb

REPO_MIGRATIONS = Path(__file__).parents[3] / "migrations"
DENIED = (1044, 1045, 1142, 1227)  # access denied: database, login, table, privilege


def run_as(settings, user: str, password: str, sql: str) -> None:
    connection = dataclasses.replace(settings, user=user, password=password).connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def assert_denied(settings, user: str, password: str, sql: str) -> None:
    with pytest.raises(pymysql.err.MySQLError) as caught:
        run_as(settings, user, password, sql)
    assert caught.value.args[0] in DENIED, caught.value


def ensure(settings, user) -> None:
    connection = settings.connect()
    try:
        ensure_user(connection, user)
    finally:
        connection.close()


def test_migrator_can_change_its_schema_only(settings, user_names):
    name, secret = user_names[0], token_urlsafe(12)
    ensure(settings, migrator_user(name, secret, settings.database))
    migrated = migrate(
        dataclasses.replace(settings, user=name, password=secret).connect, REPO_MIGRATIONS
    )
    assert migrated.applied
    assert_denied(settings, name, secret, "CREATE DATABASE other_schema")
    assert_denied(settings, name, secret, "CREATE USER intruder IDENTIFIED BY 'x'")
    assert_denied(settings, name, secret, "SELECT * FROM mysql.user")


def test_sync_reader_selects_allow_listed_tables_only(settings, user_names):
    migrate(settings.connect, REPO_MIGRATIONS)
    name = user_names[0]
    ensure(settings, sync_user(name, "reader-pw", settings.database, "reader", ["currencies"]))
    run_as(settings, name, "reader-pw", "SELECT * FROM currencies")
    assert_denied(settings, name, "reader-pw", "SELECT * FROM accounts")
    assert_denied(
        settings,
        name,
        "reader-pw",
        "INSERT INTO currencies (code, numeric_code, name, "
        "minor_units) VALUES ('EUR', 978, 'Euro', 2)",
    )


def test_sync_writer_changes_rows_of_allow_listed_tables_only(settings, user_names):
    migrate(settings.connect, REPO_MIGRATIONS)
    name = user_names[0]
    writer = sync_user(name, "writer-pw", settings.database, "writer", ["currencies"])
    ensure(settings, writer)
    run_as(
        settings,
        name,
        "writer-pw",
        "INSERT INTO currencies (code, numeric_code, name, "
        "minor_units) VALUES ('EUR', 978, 'Euro', 2)",
    )
    run_as(settings, name, "writer-pw", "UPDATE currencies SET symbol = 'E' WHERE code = 'EUR'")
    run_as(settings, name, "writer-pw", "DELETE FROM currencies WHERE code = 'EUR'")
    assert_denied(settings, name, "writer-pw", "SELECT * FROM transactions")
    assert_denied(settings, name, "writer-pw", "DROP TABLE currencies")
    assert_denied(settings, name, "writer-pw", "ALTER TABLE currencies ADD COLUMN x INT")


def test_rerun_applies_new_password_and_revokes_tables_taken_off_the_list(settings, user_names):
    migrate(settings.connect, REPO_MIGRATIONS)
    name = user_names[0]
    tables = ["currencies", "merchant_categories"]
    ensure(settings, sync_user(name, "old-pw", settings.database, "reader", tables))
    ensure(settings, sync_user(name, "new-pw", settings.database, "reader", ["currencies"]))
    assert_denied(settings, name, "old-pw", "SELECT 1")
    run_as(settings, name, "new-pw", "SELECT * FROM currencies")
    assert_denied(settings, name, "new-pw", "SELECT * FROM merchant_categories")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda: migrator_user("bad-name", "pw", "db"), "database user name", id="user"
        ),
        pytest.param(
            lambda: sync_user("u", "pw", "db", "reader", ["x`; DROP"]),
            "not a plain identifier",
            id="table",
        ),
        pytest.param(lambda: sync_user("u", "pw", "db", "reader", []), "at least one", id="none"),
    ],
)
def test_unsafe_names_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make().grants[0].target()
