"""What several rules read: the policy documents in a template and the statements in them."""

from collections.abc import Iterator
from typing import Any

Path = list[str | int]


def statements(document: Any, path: Path) -> Iterator[tuple[Path, dict]]:
    """(path, statement) of every statement of a policy document (one statement or a list)."""
    if not isinstance(document, dict):
        return
    found = document.get("Statement")
    if isinstance(found, dict):
        yield [*path, "Statement"], found
    elif isinstance(found, list):
        for index, statement in enumerate(found):
            if isinstance(statement, dict):
                yield [*path, "Statement", index], statement


def policy_documents(value: Any, path: Path) -> Iterator[tuple[Path, dict]]:
    """(path, document) of every dict below `value` that holds a `Statement` (a policy)."""
    if isinstance(value, dict):
        if "Statement" in value:
            yield path, value
        for key, item in value.items():
            yield from policy_documents(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from policy_documents(item, [*path, index])


def is_everyone(principal: Any) -> bool:
    """True for `*` or `{"AWS": "*"}` (or `["*"]`): any principal at all."""
    if principal == "*":
        return True
    if isinstance(principal, dict):
        aws = principal.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False
