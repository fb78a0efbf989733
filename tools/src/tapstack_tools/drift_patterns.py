"""Structured drift between two copies of a small table: the changes a linear chunk checksum
cannot see (shared by the sync's adversarial tests and bench/sync_exactness.py).

Every table holds the rows `ROWS` (keys from `Shape.key(i)`) with the same non-key values, so
the row encodings differ only in their keys. The families below change rows whose keys have
equal lengths, so the changed bytes sit at the same offsets in every changed row, and every
row lands in one level-0 chunk (at most 48 rows: one chunk for hashed keys, one 8-aligned key
block for integer keys). Under a digest that is affine over GF(2) (CRC32, CRC32C, or both side
by side) and XOR-ed per chunk, each family cancels:

- the same change on an even number of rows (2, 4, 2k);
- values permuted among rows (nullable and not);
- four rows whose encodings XOR to zero (prod holds two of them, the copy the other two);
- the same bit flipped at the same offset in an even number of rows.

`random_drift` adds unstructured updates, deletes, inserts and case-only key changes.
"""

import random
from dataclasses import dataclass, field

ROWS = range(10, 50)  # 40 rows: row i has key Shape.key(i)
STRUCTURED_ROWS = range(16, 24)  # one 8-aligned block; keys of equal length in every shape
BASE_VALUES = (2, "aa", "bb", b"\x00\x01\x02\x03")  # v, a, b, bin of every row
VALUE_COLUMNS = ("v", "a", "b", "bin")
VALUE_DDL = "v INT NOT NULL, a VARCHAR(8) NULL, b VARCHAR(8) NULL, bin VARBINARY(8) NOT NULL"

Statement = tuple[str, tuple]


@dataclass(frozen=True)
class Shape:
    """A table layout: its key columns and the key of row i."""

    name: str
    key_ddl: str
    key_columns: tuple[str, ...]

    def key(self, i: int) -> tuple:
        """The primary-key values of row i."""
        if self.name == "integer":
            return (i,)
        if self.name == "composite":
            return (("eu", "us")[i % 2], f"c{i // 2 + 10}")
        return (f"Key-{i}",)

    def ddl(self, table: str) -> str:
        """CREATE TABLE for this shape."""
        keys = ", ".join(self.key_columns)
        return (
            f"CREATE TABLE {table} ({self.key_ddl}, {VALUE_DDL}, PRIMARY KEY ({keys})) "
            "DEFAULT CHARSET = utf8mb4"
        )

    def where(self) -> str:
        """WHERE clause matching one row by key (parameters: the key values)."""
        return " AND ".join(f"{column} = %s" for column in self.key_columns)


SHAPES = {
    "integer": Shape("integer", "id INT NOT NULL", ("id",)),
    "composite": Shape(
        "composite", "region CHAR(2) NOT NULL, code VARCHAR(10) NOT NULL", ("region", "code")
    ),
    "case-insensitive": Shape(
        "case-insensitive", "k VARCHAR(16) COLLATE utf8mb4_unicode_ci NOT NULL", ("k",)
    ),
}


@dataclass
class Drift:
    """Statements that make prod (`source`) and the copy (`target`) differ, and what a correct
    sync must then change in the copy: (inserted, updated, deleted)."""

    family: str  # what was done, in words
    kind: str = "random drift"  # the family's name: same change, values permuted, ...
    source: list[Statement] = field(default_factory=list)
    target: list[Statement] = field(default_factory=list)
    expected: tuple[int, int, int] | None = None  # None: not known in advance (random drift)


def base_statements(shape: Shape, table: str) -> list[Statement | str]:
    """CREATE the table and insert ROWS (the same on both sides)."""
    columns = ", ".join([*shape.key_columns, *VALUE_COLUMNS])
    marks = ", ".join(["%s"] * (len(shape.key_columns) + len(VALUE_COLUMNS)))
    rows = [(*shape.key(i), *BASE_VALUES) for i in ROWS]
    return [shape.ddl(table), (f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)]  # noqa: S608


def _set(shape: Shape, table: str, i: int, **values) -> Statement:
    assignments = ", ".join(f"{column} = %s" for column in values)
    sql = f"UPDATE {table} SET {assignments} WHERE {shape.where()}"  # noqa: S608
    return sql, (*values.values(), *shape.key(i))


def _delete(shape: Shape, table: str, i: int) -> Statement:
    return f"DELETE FROM {table} WHERE {shape.where()}", shape.key(i)  # noqa: S608


def same_change(shape: Shape, table: str, rows: list[int], column: str = "v") -> Drift:
    """The copy's `rows` all get the same new value in `column` (a bulk UPDATE)."""
    new = {"v": 3, "a": "ab", "b": "cb", "bin": b"\x00\x01\x06\x03"}[column]
    changes = [_set(shape, table, i, **{column: new}) for i in rows]
    family = f"same change on {len(rows)} rows ({column})"
    return Drift(family, "same change", [], changes, (0, len(rows), 0))


def permutation(shape: Shape, table: str, rows: list[int], nullable: bool, shift: int = 1) -> Drift:
    """Prod's rows hold distinct values; the copy holds the same values, rotated by `shift`."""
    if nullable:  # (NULL, 'x'), ('x', NULL), ...: the NULL moves between the columns
        pair = ({"a": "x", "b": None}, {"a": None, "b": "x"})
        values = [pair[n % 2] for n in range(len(rows))]
    else:
        values = [{"v": 1 + n} for n in range(len(rows))]  # one digit each
    moved = values[shift:] + values[:shift]
    differing = sum(1 for old, new in zip(values, moved, strict=True) if old != new)
    return Drift(
        f"{'nullable ' if nullable else ''}values permuted among {len(rows)} rows",
        "values permuted" + (" (nullable)" if nullable else ""),
        [_set(shape, table, i, **value) for i, value in zip(rows, values, strict=True)],
        [_set(shape, table, i, **value) for i, value in zip(rows, moved, strict=True)],
        (0, differing, 0),
    )


def xor_zero_rows(shape: Shape, table: str, first: int = 20) -> Drift:
    """Rows first..first+3 have encodings that XOR to zero (keys ...0, ...1, ...2, ...3 in every
    shape); prod keeps the first two, the copy the other two."""
    return Drift(
        "four rows whose encodings XOR to zero",
        "four rows XOR to zero",
        [_delete(shape, table, first + 2), _delete(shape, table, first + 3)],
        [_delete(shape, table, first), _delete(shape, table, first + 1)],
        (2, 0, 2),
    )


def bit_flips(shape: Shape, table: str, rows: list[int], offset: int, bit: int) -> Drift:
    """The copy's `rows` get bit `bit` of byte `offset` of `bin` flipped."""
    flipped = bytearray(BASE_VALUES[3])
    flipped[offset] ^= 1 << bit
    changes = [_set(shape, table, i, bin=bytes(flipped)) for i in rows]
    family = f"bit {bit} of byte {offset} flipped in {len(rows)} rows"
    return Drift(family, "same bit flipped", [], changes, (0, len(rows), 0))


def random_drift(shape: Shape, table: str, rng: random.Random, changes: int) -> Drift:
    """`changes` random updates, deletes and inserts on either side (case-only key changes too)."""
    drift = Drift(f"random drift ({changes} changes)")
    columns = ", ".join([*shape.key_columns, *VALUE_COLUMNS])
    marks = ", ".join(["%s"] * (len(shape.key_columns) + len(VALUE_COLUMNS)))
    insert = f"REPLACE INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    for _ in range(changes):
        side = drift.source if rng.random() < 0.3 else drift.target
        i = rng.choice(ROWS)
        kind = rng.choice(["update", "update", "delete", "insert"])
        if kind == "update":
            column = rng.choice(VALUE_COLUMNS)
            value = {
                "v": rng.randint(-5, 5),
                "a": rng.choice([None, "", "aa", "ab", "x"]),
                "b": rng.choice([None, "", "bb", "cb", "y"]),
                "bin": bytes(rng.getrandbits(8) for _ in range(4)),
            }[column]
            side.append(_set(shape, table, i, **{column: value}))
        elif kind == "delete":
            side.append(_delete(shape, table, i))
        else:
            key = shape.key(rng.choice([i, i + 100]))
            if shape.name == "case-insensitive" and rng.random() < 0.5:
                key = (key[0].upper(),)  # equal under the collation, not byte for byte
            side.append((insert, (*key, *BASE_VALUES)))
    return drift


def structured_drift(shape: Shape, table: str, rng: random.Random) -> Drift:
    """One structured pattern drawn from the families above."""
    block = list(STRUCTURED_ROWS)
    family = rng.choice(["same", "permute", "xor", "flip"])
    if family == "same":
        count = rng.choice([2, 4, 6, 8])
        return same_change(shape, table, rng.sample(block, count), rng.choice(VALUE_COLUMNS))
    if family == "permute":
        count = rng.choice([2, 3, 4, 8])
        nullable = rng.random() < 0.5
        # Nullable values alternate between two forms: only an odd rotation moves them.
        shift = rng.randrange(1, count, 2) if nullable else rng.randint(1, count - 1)
        return permutation(shape, table, rng.sample(block, count), nullable, shift)
    if family == "xor":
        return xor_zero_rows(shape, table, rng.choice([20]))
    count = rng.choice([2, 4, 6, 8])
    return bit_flips(shape, table, rng.sample(block, count), rng.randrange(4), rng.randrange(8))
