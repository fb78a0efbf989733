"""Table definitions read from information_schema, and a readable diff of two of them."""

from dataclasses import dataclass
from functools import cached_property

from MySQLdb.connections import Connection

INTEGER_TYPES = ("tinyint", "smallint", "mediumint", "int", "bigint")
# Types whose text is not a fixed format (numbers, dates): strings, binaries, JSON, ENUM, ...
FREE_TEXT_TYPES = (
    "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "binary", "varbinary",
    "tinyblob", "blob", "mediumblob", "longblob", "enum", "set", "json", "bit", "geometry",
    "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
    "geometrycollection", "inet6", "inet4", "uuid",
)  # fmt: skip
# Free-text types whose text is always ASCII, whatever the column's charset.
ASCII_TEXT_TYPES = ("inet6", "inet4", "uuid")
# Character sets the server stores only as well-formed text, in which the byte 0xFF never occurs
# (UTF-8 never uses 0xF8-0xFF). A test pins that the server refuses or replaces it. Not ascii:
# MariaDB stores any byte in an ascii column, 0xFF included.
NO_FF_CHARSETS = ("utf8mb3", "utf8", "utf8mb4")


@dataclass(frozen=True)
class Column:
    """One column as the server describes it."""

    name: str
    data_type: str
    column_type: str
    nullable: bool
    default: str | None
    charset: str | None
    collation: str | None
    extra: str

    @property
    def generated(self) -> bool:
        """Computed by the server (VIRTUAL/STORED): never written by the sync."""
        extra = self.extra.upper()
        return any(word in extra for word in ("VIRTUAL", "STORED", "PERSISTENT", "GENERATED"))

    @property
    def free_text(self) -> bool:
        """Its text form is not a fixed format: it may hold any character."""
        return self.data_type in FREE_TEXT_TYPES

    @property
    def is_integer(self) -> bool:
        """TINYINT to BIGINT: the driver returns a Python int."""
        return self.data_type in INTEGER_TYPES

    @property
    def may_hold_ff(self) -> bool:
        """Its text may contain the byte 0xFF (binaries, BIT, geometry, latin1, ascii, ...)."""
        if not self.free_text or self.data_type in ASCII_TEXT_TYPES:
            return False
        return self.charset not in NO_FF_CHARSETS


@dataclass(frozen=True)
class TableSchema:
    """What the sync compares between source and target, and what it needs to query."""

    name: str
    collation: str | None
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]

    @cached_property
    def writable_columns(self) -> tuple[Column, ...]:
        """Columns an INSERT sets."""
        return tuple(column for column in self.columns if not column.generated)

    @property
    def integer_key(self) -> bool:
        """A single-column integer primary key: chunks are key ranges."""
        if len(self.primary_key) != 1:
            return False
        return self.column(self.primary_key[0]).is_integer

    def column(self, name: str) -> Column:
        """The column called `name`."""
        return next(column for column in self.columns if column.name == name)


def read_schema(connection: Connection, database: str, table: str) -> TableSchema | None:
    """The definition of `database.table`, or None when there is no such base table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_COLLATION FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND TABLE_TYPE = 'BASE TABLE'",
            (database, table),
        )
        found = cursor.fetchone()
        if found is None:
            return None
        cursor.execute(
            "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, "
            "CHARACTER_SET_NAME, COLLATION_NAME, EXTRA FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
            (database, table),
        )
        columns = tuple(
            Column(
                name=name,
                data_type=data_type.lower(),
                column_type=column_type.lower(),
                nullable=nullable == "YES",
                default=default,
                charset=charset,
                collation=collation,
                extra=extra or "",
            )
            for name, data_type, column_type, nullable, default, charset, collation, extra in (
                cursor.fetchall()
            )
        )
        cursor.execute(
            "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s "
            "AND TABLE_NAME = %s AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
            (database, table),
        )
        primary_key = tuple(row[0] for row in cursor.fetchall())
    return TableSchema(name=table, collation=found[0], columns=columns, primary_key=primary_key)


def diff_schemas(source: TableSchema, target: TableSchema | None) -> list[str]:
    """Human-readable differences (empty when the definitions match)."""
    if target is None:
        return [f"{source.name}: missing on the target"]
    lines: list[str] = []
    name = source.name
    if source.collation != target.collation:
        lines.append(f"{name}: table collation {source.collation} (source) vs {target.collation}")
    if source.primary_key != target.primary_key:
        lines.append(
            f"{name}: primary key ({', '.join(source.primary_key)}) (source) vs "
            f"({', '.join(target.primary_key)})"
        )
    source_names = [column.name for column in source.columns]
    target_names = [column.name for column in target.columns]
    lines += [f"{name}: column {c} missing on the target" for c in source_names
              if c not in target_names]  # fmt: skip
    lines += [f"{name}: column {c} only on the target" for c in target_names
              if c not in source_names]  # fmt: skip
    common = [c for c in source_names if c in target_names]
    if common != [c for c in target_names if c in source_names]:
        lines.append(
            f"{name}: column order ({', '.join(source_names)}) (source) vs "
            f"({', '.join(target_names)})"
        )
    for column_name in common:
        ours, theirs = source.column(column_name), target.column(column_name)
        for field in ("column_type", "nullable", "default", "charset", "collation", "extra"):
            left, right = getattr(ours, field), getattr(theirs, field)
            if left != right:
                lines.append(
                    f"{name}.{column_name}: {field} {left!r} (source) vs {right!r} (target)"
                )
    return lines
