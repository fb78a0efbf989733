"""The migration runner against a real MariaDB: apply, no-op, refusals, failures, lock, retry."""

import dataclasses
import hashlib
import shutil
import threading
import time
from pathlib import Path

import pymysql
import pytest
from tapstack_migrator import (
    AppliedMigrationEditedError,
    DatabaseUnavailableError,
    MigrationFailedError,
    MigrationLockTimeoutError,
    MigrationOutOfOrderError,
    migrate,
)
from tapstack_migrator.lock import lock_name

pytestmark = pytest.mark.mariadb

REPO_MIGRATIONS = Path(__file__).parents[3] / "migrations"


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, sql in files.items():
        (directory / name).write_text(sql)
    return directory


def query(settings, sql: str, args: tuple = ()) -> list[tuple]:
    connection = settings.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return list(cursor.fetchall())
    finally:
        connection.close()


def tables(settings) -> set[str]:
    return {row[0] for row in query(settings, "SHOW TABLES")}


def history(settings) -> list[tuple]:
    return query(
        settings,
        "SELECT script, checksum, status, statements_applied, statements_total "
        "FROM schema_history ORDER BY version",
    )


def test_fresh_database_gets_every_migration_recorded_with_its_checksum(settings):
    # GIVEN an empty schema and the project's migrations/
    # WHEN the runner applies them
    report = migrate(settings.connect, REPO_MIGRATIONS)
    # THEN every table exists, with a primary key, and the history holds each file's sha256
    scripts = sorted(path.name for path in REPO_MIGRATIONS.glob("*.sql"))
    assert report.applied == scripts
    assert report.schema_version == len(scripts)
    expected = {"currencies", "fee_schedules", "merchant_categories", "accounts", "transactions"}
    assert tables(settings) == expected | {"schema_history", "tapstack_table_class"}
    classes = dict(query(settings, "SELECT table_name, class FROM tapstack_table_class"))
    assert classes == {
        **dict.fromkeys(("currencies", "fee_schedules", "merchant_categories"), "reference"),
        **dict.fromkeys(("accounts", "transactions"), "production"),
    }
    without_key = query(
        settings,
        "SELECT table_name FROM information_schema.tables t WHERE table_schema = DATABASE() "
        "AND NOT EXISTS (SELECT 1 FROM information_schema.table_constraints c WHERE "
        "c.table_schema = t.table_schema AND c.table_name = t.table_name "
        "AND c.constraint_type = 'PRIMARY KEY')",
    )
    assert without_key == []
    assert [(row[0], row[1], row[2]) for row in history(settings)] == [
        (name, hashlib.sha256((REPO_MIGRATIONS / name).read_bytes()).hexdigest(), "applied")
        for name in scripts
    ]


def test_second_run_is_a_no_op(settings):
    migrate(settings.connect, REPO_MIGRATIONS)
    before = query(settings, "SELECT version, finished_at FROM schema_history")
    report = migrate(settings.connect, REPO_MIGRATIONS)
    assert report.applied == []
    assert query(settings, "SELECT version, finished_at FROM schema_history") == before


def test_new_file_is_applied_alone(settings, tmp_path):
    directory = write(tmp_path / "m", {"V0001__a.sql": "CREATE TABLE a (id INT PRIMARY KEY);"})
    migrate(settings.connect, directory)
    write(directory, {"V0002__b.sql": "CREATE TABLE b (id INT PRIMARY KEY);"})
    assert migrate(settings.connect, directory).applied == ["V0002__b.sql"]


def test_edited_applied_file_is_refused_naming_file_and_checksums(settings, tmp_path):
    # GIVEN an applied file that was edited afterwards, and a new file after it
    directory = write(tmp_path / "m", {"V0001__a.sql": "CREATE TABLE a (id INT PRIMARY KEY);"})
    migrate(settings.connect, directory)
    old = hashlib.sha256(b"CREATE TABLE a (id INT PRIMARY KEY);").hexdigest()
    edited = "CREATE TABLE a (id BIGINT PRIMARY KEY);"
    write(
        directory, {"V0001__a.sql": edited, "V0002__b.sql": "CREATE TABLE b (id INT PRIMARY KEY);"}
    )
    # WHEN the runner runs again
    with pytest.raises(AppliedMigrationEditedError) as caught:
        migrate(settings.connect, directory)
    # THEN it names the file and both checksums, and applies nothing
    message = str(caught.value)
    assert "V0001__a.sql" in message
    assert old in message
    assert hashlib.sha256(edited.encode()).hexdigest() in message
    assert "b" not in tables(settings)


BROKEN = """
CREATE TABLE a (id INT PRIMARY KEY);
CREATE TABLE b (id INT PRIMARY KEY);
INSERT INTO missing_table VALUES (1);
CREATE TABLE c (id INT PRIMARY KEY);
"""


def test_broken_file_stops_there_and_reports_what_of_it_ran(settings, tmp_path):
    # GIVEN a good file, a file whose third statement fails, and a file after it
    directory = write(
        tmp_path / "m",
        {
            "V0001__good.sql": "CREATE TABLE good (id INT PRIMARY KEY);",
            "V0002__broken.sql": BROKEN,
            "V0003__after.sql": "CREATE TABLE after_broken (id INT PRIMARY KEY);",
        },
    )
    # WHEN the runner runs
    with pytest.raises(MigrationFailedError) as caught:
        migrate(settings.connect, directory)
    # THEN the error names the file, the statement and the statements of it that did run
    message = str(caught.value)
    assert "V0002__broken.sql failed at statement 3 of 4" in message
    assert "INSERT INTO missing_table VALUES (1)" in message
    assert "statements 1-2 of V0002__broken.sql ran and stay committed" in message
    assert "1: CREATE TABLE a (id INT PRIMARY KEY)" in message
    assert "2: CREATE TABLE b (id INT PRIMARY KEY)" in message
    assert len(caught.value.summary) <= 256
    assert caught.value.summary.startswith("V0002__broken.sql failed at statement 3/4")
    # AND nothing after the failing statement ran, and the history says how far it got
    assert tables(settings) == {"good", "a", "b", "schema_history"}
    assert history(settings)[1:] == [
        (
            "V0002__broken.sql",
            hashlib.sha256(BROKEN.encode()).hexdigest(),
            "failed",
            2,
            4,
        )
    ]


def test_fixed_file_resumes_after_the_statements_that_ran(settings, tmp_path):
    directory = write(tmp_path / "m", {"V0001__broken.sql": BROKEN})
    with pytest.raises(MigrationFailedError):
        migrate(settings.connect, directory)
    # GIVEN the failing statement fixed, statements 1-2 untouched
    write(directory, {"V0001__broken.sql": BROKEN.replace("missing_table", "a")})
    # WHEN it runs again THEN statements 1-2 are not run twice (they would fail: tables exist)
    assert migrate(settings.connect, directory).applied == ["V0001__broken.sql"]
    assert query(settings, "SELECT id FROM a") == [(1,)]
    assert history(settings)[0][2:] == ("applied", 4, 4)


def test_fix_that_changes_statements_already_run_is_refused(settings, tmp_path):
    directory = write(tmp_path / "m", {"V0001__broken.sql": BROKEN})
    with pytest.raises(MigrationFailedError):
        migrate(settings.connect, directory)
    write(directory, {"V0001__broken.sql": BROKEN.replace("TABLE b", "TABLE bb")})
    with pytest.raises(AppliedMigrationEditedError, match="Keep statements 1-2 as they were"):
        migrate(settings.connect, directory)


def test_pending_file_below_the_latest_applied_version_is_refused(settings, tmp_path):
    directory = write(tmp_path / "m", {"V0002__b.sql": "CREATE TABLE b (id INT PRIMARY KEY);"})
    migrate(settings.connect, directory)
    write(directory, {"V0001__a.sql": "CREATE TABLE a (id INT PRIMARY KEY);"})
    with pytest.raises(MigrationOutOfOrderError, match=r"V0001__a\.sql is pending but version 2"):
        migrate(settings.connect, directory)


def test_older_bundle_is_a_no_op(settings, tmp_path):
    # GIVEN V0001-V0002 applied, WHEN a bundle with only V0001 arrives (a CloudFormation
    # rollback to the previous MigrationsKey) THEN nothing happens and nothing fails
    migrate(settings.connect, REPO_MIGRATIONS)
    older = tmp_path / "older"
    older.mkdir()
    shutil.copy(REPO_MIGRATIONS / "V0001__create_reference_tables.sql", older)
    assert migrate(settings.connect, older).applied == []
    assert "transactions" in tables(settings)


def test_lock_held_by_another_run_times_out_with_a_clear_error(settings, tmp_path):
    directory = write(tmp_path / "m", {"V0001__a.sql": "CREATE TABLE a (id INT PRIMARY KEY);"})
    holder = settings.connect()
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT GET_LOCK(%s, 0)", (lock_name(settings.database),))
        with pytest.raises(MigrationLockTimeoutError) as caught:
            migrate(settings.connect, directory, lock_timeout=1)
    finally:
        holder.close()
    assert f"another migration run has held lock 'tapstack.migrations.{settings.database}'" in str(
        caught.value
    )
    assert "more than 1 s" in str(caught.value)
    assert tables(settings) == set()


def test_concurrent_runs_are_serialised(settings, tmp_path):
    # GIVEN two runs started at the same moment on a file slow enough for them to overlap
    directory = write(
        tmp_path / "m",
        {
            "V0001__a.sql": "CREATE TABLE a (id INT PRIMARY KEY); DO SLEEP(0.5);"
            "INSERT INTO a VALUES (1);",
            "V0002__b.sql": "CREATE TABLE b (id INT PRIMARY KEY);",
        },
    )
    start = threading.Barrier(2)
    reports, errors = [], []

    def run() -> None:
        start.wait()
        try:
            reports.append(migrate(settings.connect, directory, lock_timeout=30))
        except Exception as err:  # collected for the assertion below
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # THEN both succeed: one applied everything, the other found nothing left to do
    assert errors == []
    assert sorted(len(report.applied) for report in reports) == [0, 2]
    assert query(settings, "SELECT id FROM a") == [(1,)]
    assert [row[2:4] for row in history(settings)] == [("applied", 3), ("applied", 1)]


def test_connection_killed_mid_file_is_retried_and_resumes(settings, tmp_path):
    # GIVEN a file whose second statement is slow, and a second session that kills the
    # runner's connection while it runs that statement
    directory = write(
        tmp_path / "m",
        {
            "V0001__a.sql": "CREATE TABLE a (id INT PRIMARY KEY);\nDO SLEEP(2);\n"
            "CREATE TABLE b (id INT PRIMARY KEY);",
        },
    )
    killed = []

    def kill_once() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            found = query(
                settings,
                "SELECT id FROM information_schema.processlist WHERE info = 'DO SLEEP(2)'",
            )
            if found:
                query(settings, f"KILL CONNECTION {found[0][0]}")
                killed.append(found[0][0])
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_once)
    killer.start()
    delays: list[float] = []
    # WHEN the runner runs
    report = migrate(settings.connect, directory, sleep=delays.append)
    killer.join()
    # THEN it retried once after the kill and completed without rerunning statement 1
    assert killed, "the slow statement was never seen running"
    assert delays == [1.0]
    assert report.applied == ["V0001__a.sql"]
    assert tables(settings) == {"a", "b", "schema_history"}
    assert history(settings)[0][2:] == ("applied", 3, 3)


def test_unreachable_database_is_retried_with_backoff_then_reported(settings, tmp_path):
    from tapstack_local_mariadb import free_port

    directory = write(tmp_path / "m", {"V0001__a.sql": "SELECT 1;"})
    nowhere = dataclasses.replace(settings, port=free_port())
    delays: list[float] = []
    with pytest.raises(DatabaseUnavailableError, match="unreachable after 4 attempts"):
        migrate(nowhere.connect, directory, attempts=4, sleep=delays.append)
    assert delays == [1.0, 2.0, 4.0]


def test_sql_error_outside_a_migration_is_not_retried(settings, tmp_path):
    directory = write(tmp_path / "m", {"V0001__a.sql": "SELECT 1;"})
    wrong_password = settings.as_user(settings.user, "wrong")
    delays: list[float] = []
    with pytest.raises(pymysql.err.OperationalError, match="Access denied"):
        migrate(wrong_password.connect, directory, sleep=delays.append)
    assert delays == []
