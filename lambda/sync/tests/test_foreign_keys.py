"""The project's real reference tables (migrations/V0001): foreign keys between synced tables,
no cascades, and keys that cross the boundary of the synced set (mariadb)."""

from pathlib import Path

import pytest
from tapstack_migrator.statements import split_statements
from tapstack_sync import TableApplyError, sync

pytestmark = pytest.mark.mariadb

REFERENCE_DDL = Path(__file__).parents[3] / "migrations" / "V0001__create_reference_tables.sql"
TABLES = ("currencies", "fee_schedules", "merchant_categories")


def _create_reference_tables(side) -> None:
    side.run(*split_statements(REFERENCE_DDL.read_text()))


@pytest.fixture
def reference(pair):
    for side in (pair.source, pair.target):
        _create_reference_tables(side)
    pair.both(
        "INSERT INTO currencies (code, numeric_code, name, symbol, minor_units, updated_at) "
        "VALUES ('EUR', 978, 'Euro', '€', 2, '2024-01-01'), ('USD', 840, 'Dollar', '$', 2, "
        "'2024-01-01'), ('XTS', 963, 'Test', NULL, 0, '2024-01-01')",
        "INSERT INTO merchant_categories (mcc, description, category_group, updated_at) VALUES "
        "('5411', 'Grocery', 'retail', '2024-01-01'), ('5812', 'Restaurants', 'food', "
        "'2024-01-01')",
        "INSERT INTO fee_schedules (mcc, currency_code, effective_from, percentage_fee, "
        "updated_at) VALUES ('5411', 'EUR', '2024-01-01', 1.9, '2024-01-01'), ('5411', 'XTS', "
        "'2024-01-01', 9.9, '2024-01-01'), ('5812', 'USD', '2024-01-01', 2.9, '2024-01-01')",
    )
    return pair


def test_parents_and_children_change_together(reference):
    # prod retires XTS (and its fee), adds GBP with a fee, swaps two unique numeric codes
    reference.source.run(
        "DELETE FROM fee_schedules WHERE currency_code = 'XTS'",
        "DELETE FROM currencies WHERE code = 'XTS'",
        "INSERT INTO currencies (code, numeric_code, name, minor_units, updated_at) VALUES "
        "('GBP', 826, 'Pound', 2, '2024-02-01')",
        "INSERT INTO fee_schedules (mcc, currency_code, effective_from, percentage_fee, "
        "updated_at) VALUES ('5812', 'GBP', '2024-02-01', 2.5, '2024-02-01')",
        "UPDATE currencies SET numeric_code = 1 WHERE code = 'EUR'",
        "UPDATE currencies SET numeric_code = 978 WHERE code = 'USD'",
        "UPDATE currencies SET numeric_code = 840 WHERE code = 'EUR'",
    )
    report = sync(reference.request(*TABLES, force=True))

    assert [t.name for t in report.tables][:2] in (
        ["currencies", "merchant_categories"],
        ["merchant_categories", "currencies"],
    )
    assert report.tables[-1].name == "fee_schedules"  # children after their parents
    for table in TABLES:
        assert reference.identical(table), table


def test_updating_a_parent_does_not_cascade_to_children(reference):
    for side in (reference.source, reference.target):
        side.run(
            "CREATE TABLE notes (id INT PRIMARY KEY, code CHAR(3) NOT NULL, FOREIGN KEY (code) "
            "REFERENCES currencies (code) ON DELETE CASCADE) COLLATE utf8mb4_unicode_ci"
        )
    reference.target.run("INSERT INTO notes VALUES (1, 'EUR'), (2, 'USD')")
    reference.source.run("UPDATE currencies SET name = 'Euro (new)' WHERE code = 'EUR'")

    sync(reference.request("currencies", force=True))

    assert reference.identical("currencies")
    assert reference.target.rows("notes") == [(1, "EUR"), (2, "USD")]


def test_deleting_a_parent_still_referenced_outside_the_sync_is_rolled_back(reference):
    reference.target.run(
        "CREATE TABLE accounts (id INT PRIMARY KEY, currency CHAR(3) NOT NULL, "
        "FOREIGN KEY (currency) REFERENCES currencies (code)) COLLATE utf8mb4_unicode_ci",
        "INSERT INTO accounts VALUES (1, 'XTS')",
    )
    reference.source.run(
        "DELETE FROM fee_schedules WHERE currency_code = 'XTS'",
        "DELETE FROM currencies WHERE code = 'XTS'",
    )
    before = reference.target.rows("currencies")
    with pytest.raises(TableApplyError, match=r"1 row\(s\) of accounts would lose their parent"):
        sync(reference.request("currencies", "fee_schedules", force=True))
    assert reference.target.rows("currencies") == before


def test_a_child_row_whose_parent_is_not_synced_is_rolled_back(reference):
    reference.source.run(
        "INSERT INTO merchant_categories (mcc, description, category_group) VALUES "
        "('0742', 'Vets', 'services')",
        "INSERT INTO fee_schedules (mcc, currency_code, effective_from, percentage_fee) VALUES "
        "('0742', 'EUR', '2024-03-01', 3.0)",
    )
    before = reference.target.rows("fee_schedules")
    with pytest.raises(TableApplyError, match=r"fee_schedules.*merchant_categories"):
        sync(reference.request("fee_schedules", allowlist=list(TABLES), force=True))
    assert reference.target.rows("fee_schedules") == before
