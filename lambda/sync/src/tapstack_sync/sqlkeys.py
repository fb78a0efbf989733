"""SQL that selects rows by their key values (as bytes: keys may be binary)."""

from MySQLdb.connections import Connection

from tapstack_sync.connection import quote

Key = tuple


def key_filter(
    connection: Connection, columns: list[str], keys: list[Key], alias: str = ""
) -> bytes:
    """SQL matching exactly the rows whose `columns` hold one of `keys` (bytes: keys may be
    binary)."""
    literal = connection.literal
    names = [(alias + quote(name)).encode() for name in columns]
    if len(names) == 1:
        return names[0] + b" IN (" + b", ".join(literal(key[0]) for key in keys) + b")"
    return b" OR ".join(
        b"("
        + b" AND ".join(
            name + b" = " + literal(value) for name, value in zip(names, key, strict=True)
        )
        + b")"
        for key in keys
    )
