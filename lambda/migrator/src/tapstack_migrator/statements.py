"""Split a migration file into the statements the server runs one at a time.

The server takes one statement per call (no multi-statement mode: a failure must name the
statement that failed). Semicolons inside quotes, backticks and comments do not split; a
`DELIMITER xx` line changes the separator, as the mysql client does, for trigger and routine
bodies.
"""

import re

_DELIMITER_LINE = re.compile(r"[ \t]*DELIMITER[ \t]+(\S+)[ \t]*(?:\r?\n|$)", re.IGNORECASE)


class StatementSyntaxError(ValueError):
    """The file cannot be split: an unterminated quote or comment."""


def split_statements(sql: str) -> list[str]:
    """The statements of `sql`, stripped, without empty or comment-only ones."""
    statements: list[str] = []
    delimiter = ";"
    start = position = 0
    while position < len(sql):
        if _at_line_start(sql, position) and (match := _DELIMITER_LINE.match(sql, position)):
            if not _is_only_comments(sql[start:position]):
                raise StatementSyntaxError(
                    f"DELIMITER at offset {position} follows a statement that has no delimiter"
                )
            delimiter = match.group(1)
            position = start = match.end()
            continue
        char = sql[position]
        if sql.startswith(delimiter, position):
            _append(statements, sql[start:position])
            position = start = position + len(delimiter)
        elif char in "'\"`":
            position = _skip_quoted(sql, position)
        elif char == "#" or sql.startswith(("-- ", "--\t", "--\n", "--\r"), position):
            newline = sql.find("\n", position)
            position = len(sql) if newline == -1 else newline + 1
        elif sql.startswith("/*", position):
            end = sql.find("*/", position + 2)
            if end == -1:
                raise StatementSyntaxError(f"unterminated /* comment at offset {position}")
            position = end + 2
        else:
            position += 1
    _append(statements, sql[start:])
    return statements


def _skip_quoted(sql: str, position: int) -> int:
    """The offset just past the quoted string or identifier that starts at `position`."""
    quote = sql[position]
    index = position + 1
    while index < len(sql):
        char = sql[index]
        if char == "\\" and quote != "`":
            index += 2
        elif char == quote:
            if sql.startswith(quote * 2, index):  # doubled quote: a literal quote
                index += 2
            else:
                return index + 1
        else:
            index += 1
    raise StatementSyntaxError(f"unterminated {quote} quote at offset {position}")


def _at_line_start(sql: str, position: int) -> bool:
    return position == 0 or sql[position - 1] == "\n"


def _append(statements: list[str], text: str) -> None:
    statement = text.strip()
    if statement and not _is_only_comments(statement):
        statements.append(statement)


def _is_only_comments(statement: str) -> bool:
    without = re.sub(r"/\*(?!!).*?\*/", "", statement, flags=re.DOTALL)
    without = re.sub(r"(?m)(#|--(?=\s|$)).*$", "", without)
    return without.strip() == ""
