"""Schema first: equal goes on, behind catches up through the migrator, anything else stops
with exit 3 and a readable diff, data untouched (mariadb)."""

from pathlib import Path

import pytest
from tapstack_migrator import migrate
from tapstack_sync import MigratorApplier, SchemaMismatchError, sync

pytestmark = pytest.mark.mariadb

V1 = "CREATE TABLE currencies (code CHAR(3) NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL);\n"
V2 = "ALTER TABLE currencies ADD COLUMN minor_units TINYINT UNSIGNED NOT NULL DEFAULT 2;\n"


def _settings(side):
    from tapstack_migrator import ConnectionSettings

    dsn = side.dsn
    return ConnectionSettings(
        host=dsn.host,
        port=dsn.port,
        user=dsn.user,
        password=dsn.password.get_secret_value(),
        database=dsn.database,
    )


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    (tmp_path / "V0001__create_currencies.sql").write_text(V1)
    (tmp_path / "V0002__add_minor_units.sql").write_text(V2)
    return tmp_path


@pytest.fixture
def behind(pair, migrations, tmp_path_factory):
    """Prod applied V0001 and V0002; staging only V0001 (each through the migrator)."""
    only_first = tmp_path_factory.mktemp("v1")
    (only_first / "V0001__create_currencies.sql").write_text(V1)
    migrate(_settings(pair.source).connect, migrations, attempts=1)
    migrate(_settings(pair.target).connect, only_first, attempts=1)
    pair.source.run("INSERT INTO currencies VALUES ('EUR', 'Euro', 2), ('JPY', 'Yen', 0)")
    pair.target.run("INSERT INTO currencies VALUES ('EUR', 'Old euro')")
    return pair


def test_target_behind_prod_gets_exactly_the_missing_migrations(behind, migrations):
    report = sync(behind.request("currencies", force=True), migrations=MigratorApplier(migrations))

    assert behind.identical("currencies")
    assert report.tables[0].inserted == 1 and report.tables[0].updated == 1
    history = behind.target.rows("schema_history")
    assert [(row[0], row[4]) for row in history] == [(1, "applied"), (2, "applied")]
    assert history[1][3] == behind.source.rows("schema_history")[1][3]  # same checksum


def test_target_behind_without_a_migrator_names_the_missing_migration(behind):
    before = behind.target.rows("currencies")
    with pytest.raises(SchemaMismatchError) as caught:
        sync(behind.request("currencies"))
    message = str(caught.value)
    assert "currencies: column minor_units missing on the target" in message
    assert "missing: V0002__add_minor_units.sql" in message
    assert caught.value.exit_code == 3
    assert behind.target.rows("currencies") == before


def test_a_migration_file_that_is_not_prods_is_refused(behind, migrations):
    (migrations / "V0002__add_minor_units.sql").write_text(V2.replace("2;", "3;"))
    with pytest.raises(SchemaMismatchError, match=r"V0002__add_minor_units\.sql: checksum"):
        sync(behind.request("currencies"), migrations=MigratorApplier(migrations))
    assert [row[0] for row in behind.target.rows("schema_history")] == [1]


@pytest.mark.parametrize(
    ("target_ddl", "expected"),
    [
        pytest.param(
            "CREATE TABLE currencies (code CHAR(3) PRIMARY KEY, name VARCHAR(65) NOT NULL)",
            "currencies.name: column_type 'varchar(64)' (source) vs 'varchar(65)' (target)",
            id="type",
        ),
        pytest.param(
            "CREATE TABLE currencies (code CHAR(3) PRIMARY KEY, name VARCHAR(64) NULL)",
            "currencies.name: nullable False (source) vs True (target)",
            id="nullability",
        ),
        pytest.param(
            "CREATE TABLE currencies (code CHAR(3) PRIMARY KEY, "
            "name VARCHAR(64) NOT NULL DEFAULT 'x')",
            "currencies.name: default None (source) vs \"'x'\" (target)",
            id="default",
        ),
        pytest.param(
            "CREATE TABLE currencies (code CHAR(3), name VARCHAR(64) NOT NULL, "
            "PRIMARY KEY (code, name))",
            "currencies: primary key (code) (source) vs (code, name)",
            id="primary-key",
        ),
        pytest.param(
            "CREATE TABLE currencies (code CHAR(3) PRIMARY KEY, "
            "name VARCHAR(64) COLLATE utf8mb4_bin NOT NULL)",
            "currencies.name: collation 'utf8mb4_unicode_ci' (source) vs 'utf8mb4_bin' (target)",
            id="collation",
        ),
        pytest.param(
            "CREATE TABLE other (id INT PRIMARY KEY)",
            "currencies: missing on the target",
            id="missing-table",
        ),
        pytest.param(
            "CREATE TABLE currencies (code CHAR(3) PRIMARY KEY, name VARCHAR(64) NOT NULL, "
            "extra INT)",
            "currencies: column extra only on the target",
            id="extra-column",
        ),
    ],
)
def test_any_other_difference_stops_with_a_readable_diff(pair, target_ddl, expected):
    pair.source.run(
        "CREATE TABLE currencies (code CHAR(3) PRIMARY KEY, name VARCHAR(64) NOT NULL) "
        "COLLATE utf8mb4_unicode_ci",
        "INSERT INTO currencies VALUES ('EUR', 'Euro')",
    )
    pair.target.run(target_ddl)
    with pytest.raises(SchemaMismatchError) as caught:
        sync(pair.request("currencies"))
    assert expected in str(caught.value)
    assert "not simply behind" in str(caught.value)
