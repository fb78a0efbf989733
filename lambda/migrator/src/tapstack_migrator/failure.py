"""The report of a failed migration file: what failed, and what of the file had already run."""

from tapstack_migrator.files import Migration

_SHOWN = 300  # characters of a statement shown in a report


def describe_failure(migration: Migration, index: int, error: Exception) -> str:
    """Name the file, the failing statement and its error, and the statements that did run."""
    total = len(migration.statements)
    lines = [
        f"{migration.script} failed at statement {index + 1} of {total}: {error}",
        f"  failing statement: {_shorten(migration.statements[index])}",
    ]
    if index == 0:
        lines.append(f"Partial effects: none; no statement of {migration.script} had run.")
    else:
        lines.append(
            f"Partial effects: statements 1-{index} of {migration.script} ran and stay committed "
            "(MySQL commits DDL implicitly, so they cannot be rolled back):"
        )
        lines += [
            f"  {number}: {_shorten(statement)}"
            for number, statement in enumerate(migration.statements[:index], start=1)
        ]
    lines.append(
        f"The failing statement was rolled back; no file after {migration.script} was applied. "
        f"Fix statement {index + 1} (or a later one) without changing statements 1-{index}: the "
        f"next run resumes at statement {index + 1}."
        if index
        else f"The failing statement was rolled back; no file after {migration.script} was "
        "applied. Fix the file: the next run starts it again."
    )
    return "\n".join(lines)


def summarize_failure(migration: Migration, index: int, error: Exception) -> str:
    """At most 256 characters, for CloudFormation's status reason."""
    ran = f"statements 1-{index} ran and stay committed" if index else "no statement ran"
    head = f"{migration.script} failed at statement {index + 1}/{len(migration.statements)}: "
    tail = f"; {ran}; nothing after it applied"
    room = 256 - len(head) - len(tail)
    return head + _shorten(str(error), max(room, 20)) + tail


def _shorten(text: str, width: int = _SHOWN) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
