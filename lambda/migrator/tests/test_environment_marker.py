"""The environment marker on a real MariaDB: written once, never relabelled."""

import pymysql
import pytest
from tapstack_migrator.environment_marker import (
    EnvironmentMismatchError,
    ensure_environment_marker,
)

pytestmark = pytest.mark.mariadb


def names(settings) -> list[str]:
    connection = settings.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM tapstack_environment")
            return [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()


def mark(settings, environment: str) -> None:
    connection = settings.connect()
    try:
        ensure_environment_marker(connection, environment)
    finally:
        connection.close()


def test_first_run_writes_the_one_row_the_sync_reads(settings):
    mark(settings, "staging")
    assert names(settings) == ["staging"]


def test_rerun_for_the_same_environment_changes_nothing(settings):
    mark(settings, "dev")
    mark(settings, "dev")
    assert names(settings) == ["dev"]


def test_another_environment_is_refused_and_the_marker_kept(settings):
    # GIVEN prod's database
    mark(settings, "prod")
    # WHEN a dev stack deploys to it THEN it is refused, naming both
    with pytest.raises(
        EnvironmentMismatchError, match="marker says prod, but this stack deploys dev"
    ):
        mark(settings, "dev")
    assert names(settings) == ["prod"]


def test_the_refusal_leaves_no_transaction_or_lock_behind(settings):
    mark(settings, "prod")
    connection = settings.connect()
    try:
        with pytest.raises(EnvironmentMismatchError):
            ensure_environment_marker(connection, "staging")
        with connection.cursor() as cursor:
            cursor.execute("SELECT @@in_transaction")
            assert cursor.fetchone() == (0,)
    finally:
        connection.close()


@pytest.mark.parametrize("bad", ["", "Prod", "dev;drop", "x" * 33])
def test_malformed_names_are_refused(settings, bad):
    connection = settings.connect()
    try:
        with pytest.raises(ValueError, match="environment name"):
            ensure_environment_marker(connection, bad)
    finally:
        connection.close()
    with pytest.raises(pymysql.err.ProgrammingError):
        names(settings)
