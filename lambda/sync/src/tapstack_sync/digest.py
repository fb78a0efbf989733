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
string ends). Two different rows therefore always give two different strings.

A chunk's checksum is its row count and the XOR of its rows' 64-bit digests, so the digest
must not be linear: CRC32 and CRC32C are affine over GF(2), and the XOR of affine digests
cancels whenever the changes do (the same change on two rows, values permuted among rows, four
encodings that XOR to zero). Each row's digest is therefore a non-linear function of its text:

- where both servers have CRC32C (MariaDB >= 10.8): the pair (CRC32, CRC32C) of the text, put
  through two chained multiply-folds (`mix_crc_pair`): 32x32-bit products folded to 32 bits
  modulo 2**32 - 1. Every bit of the result depends on all 64 bits of the pair, none of them
  linearly (docs/sync.md: the argument and the checks behind it);
- otherwise the first 64 bits of the text's MD5 (MySQL 8, Aurora MySQL 3).
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


# Odd 32-bit constants of the mixer (any odd constants with well-spread bits serve; these are
# the golden-ratio constant and three of MurmurHash3's and xxHash's multipliers).
MIX_KEYS = (0x9E3779B9, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F)
FOLD = 0xFFFFFFFF  # x MOD (2**32 - 1) adds x's 32-bit halves with end-around carry


def prepare_session(connection: Connection) -> None:
    """Create the CRC digest's session variables, typed, before its first statement.

    A variable that does not exist when a statement starts is typed as text in that statement,
    so every row would convert it back to a number.
    """
    zero = "CAST(0 AS UNSIGNED)"
    with connection.cursor() as cursor:
        cursor.execute(f"SET @tapstack_row = '', @tapstack_c = {zero}, @tapstack_h = {zero}")


def mix_crc_pair(crc32: int, crc32c: int) -> int:
    """The CRC path's 64-bit row digest from a row's CRC32 and CRC32C (the SQL computes the same).

    h = ((crc32 ^ K0) * (crc32c ^ K1)) MOD (2**32 - 1); g = ((crc32c ^ K2) * (h ^ K3)) MOD
    (2**32 - 1); digest = h:g. The products of two 32-bit values fit in 64 bits, so the server
    computes them without overflow; the MOD folds a product's high half onto its low half with
    carries, so every bit of h and g depends on every bit of both CRCs, and not linearly.
    """
    k0, k1, k2, k3 = MIX_KEYS
    high = ((crc32 ^ k0) * (crc32c ^ k1)) % FOLD
    return (high << 32) | (((crc32c ^ k2) * (high ^ k3)) % FOLD)


def row_digest_sql(schema: TableSchema, kind: DigestKind) -> str:
    """SQL for a row's 64-bit unsigned digest (non-linear in the row: see the module docstring)."""
    text = encode_columns(schema.columns)
    if kind is DigestKind.CRC_PAIR:
        # The encoding is built once per row; it and the intermediate values are reused through
        # session variables. The order of operands of an operator is the compiler's choice (this
        # MariaDB build evaluates `a ^ b` right first), so each variable is read only in the
        # branch of an IF() whose condition assigned it: IF() fixes that order.
        k0, k1, k2, k3 = MIX_KEYS
        high = f"((CRC32(@tapstack_row) ^ {k0}) * (@tapstack_c ^ {k1})) MOD {FOLD}"
        low = f"((@tapstack_c ^ {k2}) * (@tapstack_h ^ {k3})) MOD {FOLD}"
        never = "CAST(0 AS UNSIGNED)"  # the text is never NULL; typed so IF() stays an integer
        return (
            f"IF((@tapstack_c := CRC32C(@tapstack_row := {text})) IS NULL, {never}, "
            f"IF((@tapstack_h := {high}) IS NULL, {never}, (@tapstack_h << 32) | ({low})))"
        )
    return f"CAST(CONV(LEFT(MD5({text}), 16), 16, 10) AS UNSIGNED)"


def key_hash_sql(schema: TableSchema) -> str:
    """SQL for a 32-bit hash of the primary key (the bucket of a non-integer key)."""
    return f"CRC32({encode_columns([schema.column(name) for name in schema.primary_key])})"
