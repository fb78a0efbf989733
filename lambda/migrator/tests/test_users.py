"""Least-privilege users on a real MariaDB: each can do its job and nothing else."""

import dataclasses
from pathlib import Path
from secrets import token_urlsafe

import pymysql
import pytest
from tapstack_migrator import migrate
from tapstack_migrator.environment_marker import ensure_environment_marker
from tapstack_migrator.users import (
    boundary_grants,
    ensure_user,
    migrator_user,
    sync_user,
    validator_user,
)

pytestmark = pytest.mark.mariadb

REPO_MIGRATIONS = Path(__file__).parents[3] / "migrations"
LATEST = max(int(path.name[1:5]) for path in REPO_MIGRATIONS.glob("V*.sql"))
DENIED = (1044, 1045, 1142, 1143, 1227)  # denied: database, login, table, column, privilege


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


def test_validator_selects_the_reference_tables_only(settings, user_names):
    migrate(settings.connect, REPO_MIGRATIONS)
    name, tables = user_names[0], ["currencies", "fee_schedules", "merchant_categories"]
    ensure(settings, validator_user(name, "validator-pw", settings.database, tables))
    for table in tables:
        run_as(settings, name, "validator-pw", f"SELECT * FROM {table}")  # noqa: S608 - fixed
    for sql in (
        "SELECT * FROM accounts",
        "SELECT * FROM transactions",
        "SELECT * FROM schema_history",
        "DELETE FROM currencies",
        "UPDATE fee_schedules SET fixed_fee = 0",
    ):
        assert_denied(settings, name, "validator-pw", sql)


def migrated_staging(settings) -> None:
    """The project's schema plus the staging marker, as a deploy leaves a target database."""
    migrate(settings.connect, REPO_MIGRATIONS)
    connection = settings.connect()
    try:
        ensure_environment_marker(connection, "staging")
    finally:
        connection.close()


def query(settings, user: str, password: str, sql: str) -> list:
    connection = dataclasses.replace(settings, user=user, password=password).connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        connection.close()


def test_sync_writer_changes_rows_of_allow_listed_tables_only(settings, user_names):
    migrated_staging(settings)
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


def test_both_sync_users_read_the_history_and_the_writer_the_marker(settings, user_names):
    migrated_staging(settings)
    reader, writer = user_names[:2]
    ensure(settings, sync_user(reader, "r-pw", settings.database, "reader", ["currencies"]))
    ensure(settings, sync_user(writer, "w-pw", settings.database, "writer", ["currencies"]))
    for name, secret in ((reader, "r-pw"), (writer, "w-pw")):
        assert query(settings, name, secret, "SELECT COUNT(*) FROM schema_history") == [(LATEST,)]
        assert_denied(settings, name, secret, "DELETE FROM schema_history")
    assert query(settings, writer, "w-pw", "SELECT name FROM tapstack_environment") == [
        ("staging",)
    ]
    assert_denied(settings, writer, "w-pw", "UPDATE tapstack_environment SET name = 'x'")
    # the reader checks prod's own table classification before it reads a table
    assert ("currencies", "reference") in query(
        settings, reader, "r-pw", "SELECT table_name, class FROM tapstack_table_class"
    )
    assert_denied(settings, reader, "r-pw", "DELETE FROM tapstack_table_class")
    assert_denied(settings, reader, "r-pw", "SELECT name FROM tapstack_environment")


ALLOWLIST = ["currencies", "fee_schedules", "merchant_categories"]


def test_boundary_grants_name_the_key_columns_of_tables_outside_the_allowlist(settings):
    migrate(settings.connect, REPO_MIGRATIONS)
    connection = settings.connect()
    try:
        grants = boundary_grants(connection, settings.database, ALLOWLIST)
    finally:
        connection.close()
    assert [(g.table, g.privileges, g.columns) for g in grants] == [
        ("accounts", ("REFERENCES",), ()),
        ("accounts", ("SELECT",), ("default_currency", "mcc")),
        ("transactions", ("REFERENCES",), ()),
        ("transactions", ("SELECT",), ("currency_code",)),
    ]


def test_sync_writer_sees_boundary_keys_and_checks_orphans_but_reads_no_other_column(
    settings, user_names
):
    # GIVEN a staging database with an account that uses EUR
    migrated_staging(settings)
    run_as(
        settings,
        settings.user,
        settings.password,
        "INSERT INTO currencies (code, numeric_code, name, minor_units) VALUES ('EUR', 978, "
        "'Euro', 2)",
    )
    run_as(
        settings,
        settings.user,
        settings.password,
        "INSERT INTO merchant_categories (mcc, description, category_group) VALUES ('5411', "
        "'Grocery', 'retail')",
    )
    run_as(
        settings,
        settings.user,
        settings.password,
        "INSERT INTO accounts (external_id, legal_name, mcc, default_currency) VALUES "
        "('00000000-0000-0000-0000-000000000001', 'Secret Ltd', '5411', 'EUR')",
    )
    connection = settings.connect()
    try:
        boundary = boundary_grants(connection, settings.database, ALLOWLIST)
    finally:
        connection.close()
    name = user_names[0]
    ensure(settings, sync_user(name, "w-pw", settings.database, "writer", ALLOWLIST, boundary))
    # WHEN the sync writer looks for foreign keys into its tables (as lambda/sync does)
    keys = query(
        settings,
        name,
        "w-pw",
        "SELECT DISTINCT TABLE_NAME, CONSTRAINT_NAME FROM information_schema.KEY_COLUMN_USAGE "
        "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = 'currencies'",
    )
    # THEN it sees the keys from tables outside the allowlist, and can count orphans
    assert set(keys) == {
        ("accounts", "fk_accounts_currency"),
        ("fee_schedules", "fk_fee_schedules_currency"),
        ("transactions", "fk_transactions_currency"),
    }
    orphans = query(
        settings,
        name,
        "w-pw",
        "SELECT COUNT(*) FROM accounts c WHERE c.default_currency IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM currencies p WHERE p.code = c.default_currency)",
    )
    assert orphans == [(0,)]
    # AND it reads nothing else of those tables, and changes none of them
    assert_denied(settings, name, "w-pw", "SELECT legal_name FROM accounts")
    assert_denied(settings, name, "w-pw", "SELECT * FROM transactions")
    assert_denied(settings, name, "w-pw", "UPDATE accounts SET mcc = '5411'")
    assert_denied(settings, name, "w-pw", "DELETE FROM accounts")


def test_only_the_writer_takes_boundary_grants(settings):
    with pytest.raises(ValueError, match="only the sync writer"):
        sync_user("u", "pw", "db", "reader", ["currencies"], boundary=(object(),))


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
