"""The SQL that turns a row into a 64-bit digest, and a chunk into (row count, XOR of digests).

The row is first encoded injectively: columns joined by the byte 0xFF, every column whose text
may itself hold 0xFF (binaries, BIT, geometry, ascii, latin1 and other 8-bit charsets,
UTF-16/32) prefixed with its byte length, and a final field of ISNULL flags for the nullable
columns (CONCAT_WS skips NULLs, so without the flags `(NULL, 'x')` and `('x', NULL)` would
encode alike). Text in utf8mb3 or utf8mb4 needs no length: the server stores it only
well-formed, and well-formed UTF-8 never holds 0xFF (a test pins that the server refuses or
replaces it, and that an ascii column can hold it). DECIMAL, DATETIME(6), TIMESTAMP and
floats enter as the server's own text (sessions run in UTC), never as driver-converted values.
The last length-free field may hold 0xFF: it ends where the fixed-size NULL flags begin (or the
string ends). Two different rows therefore always give two different strings; the digest of
that string is 64 bits: CRC32 and CRC32C side by side where both servers have CRC32C
(MariaDB >= 10.8), otherwise the first 64 bits of its MD5 (MySQL, Aurora).
"""

from enum import Enum

from MySQLdb.connections import Connection

from tapstack_sync.connection import quote
from tapstack_sync.schema import Column, TableSchema

# The byte 0xFF as a binary string: a literal X'FF' would be read as text in the connection's
# character set (utf8mb4), where it is not a character.
SEPARATOR = "CHAR(255)"


class DigestKind(Enum):
    """Which 64-bit digest both servers can compute."""

    CRC_PAIR = "crc32+crc32c"
    MD5_64 = "md5-64"


def supports_crc32c(connection: Connection) -> bool:
    """Whether the server has CRC32C() (MariaDB 10.8 and later)."""
    with connection.cursor() as cursor:
        try:
            cursor.execute("SELECT CRC32C('')")
            cursor.fetchall()
        except Exception:  # any error means "no such function"
            return False
    return True


def choose_digest(*connections: Connection) -> DigestKind:
    """The fastest digest every one of `connections` supports."""
    if all(supports_crc32c(connection) for connection in connections):
        return DigestKind.CRC_PAIR
    return DigestKind.MD5_64


def encode_columns(columns: tuple[Column, ...] | list[Column]) -> str:
    """SQL for the injective text encoding of `columns` of one row."""
    collations = {column.collation for column in columns if column.collation}
    as_binary = len(collations) > 1  # CONCAT refuses to mix collations of the same charset
    # The last field needs no length prefix (it runs up to the fixed-size NULL flags), so put a
    # column that may hold the separator last: one LENGTH() less per row.
    with_ff = [column for column in columns if column.may_hold_ff]
    ordered = [column for column in columns if not with_ff or column is not with_ff[-1]]
    ordered += with_ff[-1:]
    parts: list[str] = []
    for column in ordered:
        name = quote(column.name)
        value = f"CAST({name} AS BINARY)" if as_binary and column.collation else name
        if column.may_hold_ff and column is not ordered[-1]:
            parts += [f"LENGTH({name})", value]
        else:
            parts.append(value)
    nullable = [quote(column.name) for column in columns if column.nullable]
    if len(nullable) == 1:
        parts.append(f"ISNULL({nullable[0]})")
    elif nullable:
        parts.append("CONCAT(" + ", ".join(f"ISNULL({name})" for name in nullable) + ")")
    return f"CONCAT_WS({SEPARATOR}, " + ", ".join(parts) + ")"


def row_digest_sql(schema: TableSchema, kind: DigestKind) -> str:
    """SQL for a row's 64-bit unsigned digest."""
    text = encode_columns(schema.columns)
    if kind is DigestKind.CRC_PAIR:
        # The encoding is built once per row: the session variable carries it to the second
        # CRC (MariaDB evaluates the left operand first; a test pins that).
        return f"((CRC32(@tapstack_row := {text}) << 32) | CRC32C(@tapstack_row))"
    return f"CAST(CONV(LEFT(MD5({text}), 16), 16, 10) AS UNSIGNED)"


def key_hash_sql(schema: TableSchema) -> str:
    """SQL for a 32-bit hash of the primary key (the bucket of a non-integer key)."""
    return f"CRC32({encode_columns([schema.column(name) for name in schema.primary_key])})"
