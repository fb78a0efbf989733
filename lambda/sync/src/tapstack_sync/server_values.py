"""Values a server returned that the sync will put into SQL: checked to be exactly what they
must be before they are used.

The target is administered by staging or dev, which prod does not trust (ARCHITECTURE.md,
"Trust model"): a rogue server can answer a chunk query with a string, a float or a number
too large for any key where a bucket number belongs. Such a value would otherwise be formatted
into the next statement the sync sends to both servers, prod's included. Every bucket, count,
key bound and row digest is checked to be a Python int in the 64-bit range (`bool` is not an
int here); anything else stops the run before it is used (exit 2), naming the server and value.
"""

from collections.abc import Iterable, Sequence

from tapstack_sync.errors import RefusedError

INT64_MIN = -(2**63)
UINT64_MAX = 2**64 - 1
SHOWN_CHARACTERS = 80  # enough of a hostile value to recognise it, not enough to flood a log


def checked_int(value: object, *, server: str, what: str, nullable: bool = False) -> int | None:
    """`value` if it is an int within the 64-bit range (or None when `nullable`); else refuse."""
    if value is None and nullable:
        return None
    if type(value) is int and INT64_MIN <= value <= UINT64_MAX:
        return value
    shown = repr(value)
    if len(shown) > SHOWN_CHARACTERS:
        shown = shown[:SHOWN_CHARACTERS] + "..."
    raise RefusedError(
        f"the {server} returned {shown} ({type(value).__name__}) as {what}, where a 64-bit "
        "integer belongs; nothing of it was used and nothing was written"
    )


def checked_int_rows(
    rows: Iterable[Sequence], *, server: str, what: Sequence[str], nullable: Sequence[str] = ()
) -> list[tuple]:
    """`rows` whose every column (named by `what`) holds a checked int; None allowed in the
    columns named in `nullable`."""
    checked = []
    for row in rows:
        if len(row) != len(what):
            raise RefusedError(
                f"the {server} returned a row of {len(row)} columns where {len(what)} "
                f"({', '.join(what)}) belong; nothing of it was used and nothing was written"
            )
        checked.append(
            tuple(
                checked_int(value, server=server, what=name, nullable=name in nullable)
                for value, name in zip(row, what, strict=True)
            )
        )
    return checked
