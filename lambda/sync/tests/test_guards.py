"""Guards refuse before anything is read; the brake refuses before anything is written (mariadb)."""

from dataclasses import replace

import pytest
from tapstack_sync import (
    BadInputError,
    RefusedError,
    SafetyBrakeError,
    SyncRequest,
    sync,
)

pytestmark = pytest.mark.mariadb

TABLE = "CREATE TABLE currencies (code CHAR(3) PRIMARY KEY, name VARCHAR(64) NOT NULL)"
ROWS = [(f"C{i:02d}", f"currency {i}") for i in range(50)]


@pytest.fixture
def filled(pair):
    pair.both(TABLE, ("INSERT INTO currencies VALUES (%s, %s)", ROWS))
    return pair


def test_table_not_on_the_allowlist_is_refused(filled):
    with pytest.raises(BadInputError, match="not on the allowlist: secrets"):
        sync(filled.request("currencies", "secrets", allowlist=["currencies"]))


def test_default_allowlist_is_the_reference_tables(filled):
    request = SyncRequest(source=filled.source.dsn, target=filled.target.dsn, tables=["accounts"])
    with pytest.raises(BadInputError, match="currencies, fee_schedules, merchant_categories"):
        sync(request)


def test_environment_marker_is_never_synced(filled):
    with pytest.raises(BadInputError, match="never synced"):
        sync(filled.request("tapstack_environment"))


def test_table_without_primary_key_is_refused_and_nothing_changes(filled):
    filled.both("CREATE TABLE loose (a INT, b INT)")
    filled.source.run("INSERT INTO loose VALUES (1, 2)")
    with pytest.raises(RefusedError, match="loose: has no primary key"):
        sync(filled.request("loose"))
    assert filled.target.rows("loose") == []


def test_same_dsn_is_refused(filled):
    request = SyncRequest(source=filled.source.dsn, target=filled.source.dsn, tables=["currencies"])
    with pytest.raises(RefusedError, match="same database"):
        sync(request)


def test_same_database_under_another_host_name_is_refused(filled):
    # "127.1" is 127.0.0.1 to the resolver: a name comparison misses it, the server probe not.
    alias = replace(filled.source.dsn, host="127.1")
    request = replace(filled.request("currencies"), target=alias)
    with pytest.raises(RefusedError, match=r"same database .* on one server"):
        sync(request)


def test_same_server_other_database_is_allowed(filled, new_side):
    other = new_side("source", "dev")
    other.run(TABLE)
    request = replace(filled.request("currencies", force=True), target=other.dsn)
    sync(request)
    assert filled.source.rows("currencies") == other.rows("currencies")


def test_target_marked_prod_is_refused(pair, new_side):
    prod_copy = new_side("target", "prod")
    pair.source.run(TABLE)
    prod_copy.run(TABLE)
    request = SyncRequest(
        source=pair.source.dsn,
        target=prod_copy.dsn,
        tables=["currencies"],
        allowlist=["currencies"],
    )
    with pytest.raises(RefusedError, match="says it is 'prod'"):
        sync(request)


def test_target_without_marker_is_refused(pair, new_side):
    unmarked = new_side("target")
    pair.source.run(TABLE)
    unmarked.run(TABLE)
    request = replace(pair.request("currencies"), target=unmarked.dsn)
    with pytest.raises(RefusedError, match="no readable tapstack_environment marker"):
        sync(request)


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        pytest.param("prod", "declared as 'prod'", id="declared-prod"),
        pytest.param("dev", "declared as 'dev' but its database says it is 'staging'", id="other"),
    ],
)
def test_declared_environment_must_be_non_prod_and_match(filled, declared, message):
    with pytest.raises(RefusedError, match=message):
        sync(filled.request("currencies", target_env=declared))


def test_declared_environment_that_matches_is_accepted(filled):
    filled.source.run("UPDATE currencies SET name = 'changed' WHERE code = 'C01'")
    report = sync(filled.request("currencies", target_env="staging"))
    assert report.target_environment == "staging"
    assert filled.identical("currencies")


def test_empty_source_trips_the_brake_and_writes_nothing(filled):
    filled.source.run("DELETE FROM currencies")
    before = filled.target.rows("currencies")
    with pytest.raises(SafetyBrakeError, match=r"currencies: 50 of 50 rows \(100%\)") as caught:
        sync(filled.request("currencies", max_change_ratio=0.2))
    assert caught.value.exit_code == 4
    assert filled.target.rows("currencies") == before


def test_force_overrides_the_brake(filled):
    filled.source.run("DELETE FROM currencies")
    sync(filled.request("currencies", force=True))
    assert filled.target.rows("currencies") == []


def test_change_within_the_ratio_passes_the_brake(filled):
    filled.source.run("UPDATE currencies SET name = 'x' WHERE code IN ('C01', 'C02')")
    report = sync(filled.request("currencies", max_change_ratio=0.05))
    assert report.tables[0].updated == 2


def test_dry_run_reports_the_plan_and_writes_nothing(filled):
    filled.source.run(
        "UPDATE currencies SET name = 'x' WHERE code = 'C01'",
        "DELETE FROM currencies WHERE code = 'C02'",
        "INSERT INTO currencies VALUES ('NEW', 'new')",
    )
    before = filled.target.rows("currencies")
    report = sync(filled.request("currencies", dry_run=True))
    table = report.tables[0]
    assert (table.inserted, table.updated, table.deleted) == (1, 1, 1)
    assert report.dry_run
    assert filled.target.rows("currencies") == before


@pytest.mark.parametrize(
    ("table", "named"),
    [
        pytest.param("transactions", "transactions (production)", id="production"),
        pytest.param("audit_notes", "audit_notes (not classified)", id="unclassified"),
    ],
)
def test_a_table_prod_does_not_classify_as_reference_is_refused_even_if_allow_listed(
    pair, source_log, table, named
):
    # GIVEN prod's schema classifies transactions as production data (migrations/V0003) and
    # knows nothing of audit_notes; both tables exist on both sides with a row
    pair.both(
        f"CREATE TABLE {table} (id INT PRIMARY KEY, secret VARCHAR(20) NOT NULL)",
        f"INSERT INTO {table} VALUES (1, 'card 4111')",  # noqa: S608
    )
    request = SyncRequest(
        source=pair.source.dsn, target=pair.target.dsn, tables=[table], allowlist=[table]
    )
    # WHEN the allowlist names it THEN the sync refuses before reading any of its rows
    with source_log as log, pytest.raises(RefusedError, match=r"does not classify") as refused:
        sync(request)
    assert refused.value.exit_code == 2 and named in str(refused.value)
    statements = log.statements()
    assert any("tapstack_table_class" in statement for statement in statements)
    assert not [s for s in statements if table in s and "tapstack_table_class" not in s]


def test_a_source_without_a_table_classification_is_refused(pair):
    pair.source.run("DROP TABLE tapstack_table_class")
    pair.both("CREATE TABLE currencies (code CHAR(3) PRIMARY KEY)")
    request = SyncRequest(
        source=pair.source.dsn, target=pair.target.dsn, tables=["currencies"],
        allowlist=["currencies"],
    )  # fmt: skip
    with pytest.raises(RefusedError, match="no readable table classification"):
        sync(request)
