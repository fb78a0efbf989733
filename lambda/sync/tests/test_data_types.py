"""Every value the schema can hold ends exactly as prod has it (mariadb).

Each case gives a table, the source rows and a drifted target; after the sync the target's rows,
read back as the server's own text, equal the source's, and a second run finds nothing to do.
"""

import MySQLdb
import pytest
from tapstack_sync import plan as plan_module
from tapstack_sync import sync
from tapstack_sync.connection import connect
from tapstack_sync.digest import (
    DigestKind,
    encode_columns,
    mix_crc_pair,
    prepare_session,
    row_digest_sql,
)
from tapstack_sync.schema import read_schema

pytestmark = pytest.mark.mariadb

BIG = 2**63 - 1
CASES = [
    pytest.param(
        "id INT PRIMARY KEY, v VARCHAR(10) NULL",
        [(1, ""), (2, None), (3, "x")],
        [(1, None), (2, ""), (3, "x")],
        id="null-vs-empty-string",
    ),
    pytest.param(
        "id INT PRIMARY KEY, a VARCHAR(10) NULL, b VARCHAR(10) NULL",
        [(1, None, "x"), (2, "a#b", "c"), (3, "", None)],
        [(1, "x", None), (2, "a", "b#c"), (3, None, "")],
        id="nulls-and-separators-move-between-columns",
    ),
    pytest.param(
        "id INT PRIMARY KEY, s VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
        [(1, "😀 emoji 𝄞"), (2, "Grüße, 東京"), (3, "plain")],
        [(1, "😀 emoji 𝄢"), (2, "Grüsse, 東京"), (4, "gone")],
        id="utf8mb4-four-byte",
    ),
    pytest.param(
        "id INT PRIMARY KEY, b VARBINARY(16) NULL, blob_ BLOB NULL",
        [(1, b"\x00\xff#\x00", b"\x00" * 10), (2, b"", None), (3, b"#", b"\xfe\xff")],
        [(1, b"\x00\xff#", b"\x00" * 9), (2, None, b""), (3, b"#", b"\xfe\xfe")],
        id="varbinary-and-blob",
    ),
    pytest.param(
        "id INT PRIMARY KEY, a VARCHAR(5) CHARACTER SET latin1 NOT NULL, "
        "c VARCHAR(5) CHARACTER SET latin1 NOT NULL, s VARCHAR(5) CHARACTER SET ascii NOT NULL",
        [(1, "xÿ", "y", "p"), (2, "ÿ", "", "q")],
        [(1, "x", "ÿy", "p"), (2, "", "ÿ", "q")],
        id="latin1-text-holding-the-separator-byte",
    ),
    pytest.param(
        "id INT PRIMARY KEY, d DECIMAL(65,30) NULL, m DECIMAL(19,4) NOT NULL",
        [
            (1, "12345678901234567890123456789012345.123456789012345678901234567891", "1.0000"),
            (2, "-0.000000000000000000000000000001", "-99999999999999.9999"),
            (3, "0", "0"),
        ],
        [
            (1, "12345678901234567890123456789012345.123456789012345678901234567890", "1.0000"),
            (2, "-0.000000000000000000000000000002", "-99999999999999.9998"),
            (3, None, "0.0001"),
        ],
        id="decimal-full-precision",
    ),
    pytest.param(
        "id INT PRIMARY KEY, at DATETIME(6) NULL, ts TIMESTAMP(6) NULL, d DATE NULL, "
        "t TIME(6) NULL",
        [
            (
                1,
                "2024-02-29 23:59:59.999999",
                "2038-01-19 03:14:07.999999",
                "1000-01-01",
                "-838:59:59",
            ),
            (
                2,
                "1970-01-01 00:00:00.000001",
                "1970-01-01 00:00:01.000000",
                "9999-12-31",
                "00:00:00.000001",
            ),
        ],
        [
            (
                1,
                "2024-02-29 23:59:59.999998",
                "2038-01-19 03:14:07.999999",
                "1000-01-01",
                "-838:59:58",
            ),
            (
                2,
                "1970-01-01 00:00:00.000000",
                "1970-01-01 00:00:01.000001",
                "9999-12-30",
                "00:00:00",
            ),
        ],
        id="datetime6-timestamp-date-time",
    ),
    pytest.param(
        "id INT PRIMARY KEY, doc JSON NULL, label VARCHAR(5) NOT NULL",
        [(1, '{"a": [1, 2, {"b": null}], "é": "😀"}', "x"), (2, "[]", "y"), (3, "null", "z")],
        [(1, '{"a": [1, 2, {"b": 0}], "é": "😀"}', "x"), (2, None, "y"), (3, "null", "z")],
        id="json-with-mixed-collations",
    ),
    pytest.param(
        "mcc CHAR(4) NOT NULL, cur CHAR(3) NOT NULL, since DATETIME(6) NOT NULL, fee DECIMAL(7,4),"
        " PRIMARY KEY (mcc, cur, since)",
        [("5411", "USD", "2024-01-01 00:00:00", "2.9000"), ("5411", "EUR", "2024-01-01", "1.5")],
        [("5411", "USD", "2024-01-01 00:00:00", "2.9100"), ("5411", "GBP", "2024-01-01", "1.5")],
        id="composite-primary-key",
    ),
    pytest.param(
        "code VARCHAR(10) COLLATE utf8mb4_unicode_ci NOT NULL PRIMARY KEY, n INT NOT NULL",
        [("abc", 1), ("x ", 2), ("Straße", 3), ("same", 4)],
        [("ABC", 1), ("x", 2), ("STRASSE", 3), ("same", 4)],
        id="case-insensitive-keys-differing-in-case-or-trailing-space",
    ),
    pytest.param(
        "id BIGINT PRIMARY KEY, u BIGINT UNSIGNED NOT NULL, t TINYINT NOT NULL",
        [(-BIG - 1, 2**64 - 1, -128), (BIG, 0, 127), (0, 1, 0), (-1, 2**63, -1)],
        [(-BIG - 1, 2**64 - 2, -128), (BIG - 1, 0, 127), (0, 1, 1), (-2, 2**63, -1)],
        id="negative-and-very-large-integers",
    ),
    pytest.param(
        "id BIGINT UNSIGNED PRIMARY KEY, v INT NOT NULL",
        [(2**64 - 1, 1), (2**64 - 2, 2), (0, 3)],
        [(2**64 - 1, 2), (5, 2), (0, 3)],
        id="unsigned-bigint-key-at-the-top",
    ),
    pytest.param(
        "id INT PRIMARY KEY, f FLOAT NULL, g DOUBLE NULL, e ENUM('a','b#') NULL, s SET('x','y')",
        [(1, 0.1, 0.1, "b#", "x,y"), (2, -3.4e38, 1.7976931348623157e308, "a", "")],
        [(1, 0.1, 0.1000000000000001, "a", "x"), (2, -3.4e38, 1.7976931348623157e308, None, "")],
        id="float-double-enum-set",
    ),
]


@pytest.fixture(params=["whole-rows", "row-digests-first"])
def fetch_mode(request, monkeypatch) -> str:
    """Both ways of reading differing chunks: whole rows, or per-row digests then rows."""
    if request.param == "row-digests-first":
        monkeypatch.setattr(plan_module, "FETCH_WHOLE_ROWS", 0)
    return request.param


@pytest.mark.parametrize(("columns", "source_rows", "target_rows"), CASES)
def test_target_ends_identical_to_source(pair, columns, source_rows, target_rows, fetch_mode):
    # GIVEN a table with these values in prod and a drifted copy in staging
    pair.both(f"CREATE TABLE t ({columns}) DEFAULT CHARSET = utf8mb4")
    marks = ", ".join(["%s"] * len(source_rows[0]))
    insert = f"INSERT INTO t VALUES ({marks})"  # noqa: S608 - placeholders only
    pair.source.run((insert, source_rows))
    pair.target.run((insert, target_rows))
    assert not pair.identical("t")

    # WHEN the sync runs
    report = sync(pair.request("t", force=True))

    # THEN staging holds exactly prod's values, and a rerun has nothing to do
    assert pair.source.rows("t") == pair.target.rows("t")
    assert report.rows_changed > 0
    again = sync(pair.request("t"))
    assert again.rows_changed == 0
    assert again.tables[0].chunks_differing == 0


def test_generated_and_auto_increment_columns_are_copied_as_values(pair):
    pair.both(
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, price DECIMAL(10,2) NOT NULL, "
        "doubled DECIMAL(11,2) AS (price * 2) STORED, upd DATETIME(6) NOT NULL "
        "DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6))"
    )
    pair.source.run(
        "INSERT INTO t (id, price, upd) VALUES (0, 1.50, '2020-01-01'), (7, 2.25, '2021-01-01')"
    )
    pair.target.run("INSERT INTO t (id, price, upd) VALUES (7, 9.99, '1999-01-01')")

    sync(pair.request("t", force=True))

    assert pair.target.rows("t") == pair.source.rows("t")
    assert [row[0] for row in pair.target.rows("t")] == [0, 7]  # key 0 copied, not re-numbered


def test_the_crc_digest_builds_each_row_once_and_equals_the_python_mixer(pair):
    # The CRC digest carries the encoding and its intermediate values through session
    # variables; row by row it must equal mix_crc_pair over the CRCs of the encoding computed
    # directly (this pins MariaDB's left-to-right evaluation order).
    pair.source.run(
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(9) NULL, b DECIMAL(9,3) NOT NULL)",
        "INSERT INTO t VALUES (1, 'x', 1.5), (2, NULL, 2), (3, '', 3.25), (4, 'a#b', 0)",
        "INSERT INTO t SELECT seq, CONCAT('v', seq), seq / 7 FROM seq_5_to_400",
    )
    connection = connect(pair.source.dsn)
    try:
        schema = read_schema(connection, pair.source.database, "t")
        text = encode_columns(schema.columns)
        prepare_session(connection)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {row_digest_sql(schema, DigestKind.CRC_PAIR)}, CRC32({text}), "  # noqa: S608
                f"CRC32C({text}), {row_digest_sql(schema, DigestKind.MD5_64)} FROM t ORDER BY id"
            )
            rows = cursor.fetchall()
    finally:
        connection.close()
    assert [row[0] for row in rows] == [mix_crc_pair(row[1], row[2]) for row in rows]
    assert len({row[0] for row in rows}) == len(rows) == len({row[3] for row in rows}) == 400


UTF8_COLUMNS = ("a", "b", "j")  # utf8mb4, utf8mb3, JSON (utf8mb4): encoded without lengths


@pytest.mark.parametrize("sql_mode", ["STRICT_ALL_TABLES", ""])
@pytest.mark.parametrize("names", ["binary", "utf8mb4", "latin1"])
def test_the_server_never_stores_the_separator_byte_in_utf8_text(pair, sql_mode, names):
    # The row encoding gives utf8mb3/utf8mb4 text no length prefix because the byte 0xFF that
    # separates the fields never occurs in it: strict mode refuses the byte, non-strict mode
    # stores '?' instead, whatever the client's character set.
    pair.source.run(
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(8) CHARACTER SET utf8mb4 NULL, "
        "b VARCHAR(8) CHARACTER SET utf8mb3 NULL, j JSON NULL)"
    )
    connection = connect(pair.source.dsn)
    refused = 0
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET SESSION sql_mode = '{sql_mode}'")
            cursor.execute(f"SET NAMES {names}")
            for row_id, (column, value) in enumerate(
                ((column, value) for column in UTF8_COLUMNS for value in ("_binary X'61FF62'",
                 "CAST(X'61FF62' AS BINARY)", "CONCAT('a', CHAR(255), 'b')")), start=1
            ):  # fmt: skip
                try:
                    cursor.execute(f"INSERT INTO t (id, {column}) VALUES ({row_id}, {value})")  # noqa: S608
                except MySQLdb.OperationalError:
                    refused += 1
            connection.commit()
            cursor.execute("SET NAMES utf8mb4")  # the driver cannot decode results in 'binary'
            cursor.execute(
                "SELECT COUNT(*), COUNT(NULLIF(LOCATE(CHAR(255), CONCAT_WS('', CAST(a AS BINARY), "
                "CAST(b AS BINARY), CAST(j AS BINARY))), 0)) FROM t"
            )
            stored, holding_ff = cursor.fetchone()
    finally:
        connection.close()
    assert stored + refused == 3 * len(UTF8_COLUMNS)
    assert not holding_ff
    if sql_mode:
        assert refused == 3 * len(UTF8_COLUMNS)
    else:  # the byte became '?' (JSON refuses the invalid text in any mode)
        assert stored >= 6


def test_an_ascii_column_can_hold_the_separator_byte_so_it_is_length_prefixed(pair):
    pair.source.run(
        "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(8) CHARACTER SET ascii NOT NULL, "
        "u VARCHAR(8) CHARACTER SET utf8mb4 NOT NULL, b VARBINARY(8) NOT NULL)",
        "INSERT INTO t VALUES (1, CAST(X'61FF62' AS BINARY), 'u', X'FF')",
    )
    connection = connect(pair.source.dsn)
    try:
        schema = read_schema(connection, pair.source.database, "t")
        with connection.cursor() as cursor:
            cursor.execute("SELECT HEX(s) FROM t")
            assert cursor.fetchone() == ("61FF62",)
    finally:
        connection.close()
    held = {column.name: column.may_hold_ff for column in schema.columns}
    assert held == {"id": False, "s": True, "u": False, "b": True}
    text = encode_columns(schema.columns)
    assert "LENGTH(`s`)" in text and "LENGTH(`u`)" not in text
