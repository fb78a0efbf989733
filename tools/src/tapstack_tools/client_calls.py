"""The AWS calls a Python source makes through a Sceptre connection manager, read from its AST.

Sceptre, and every hook and resolver of this project, reach AWS through
`<...>.connection_manager.call(service, command, kwargs, ...)` (ARCHITECTURE.md section 5): with
the stack's own role, or with the role named by `sceptre_role=`. A call whose service or command
is not a literal, or any other use of a connection manager or of boto3, is reported as
`UnreadableCallError`: the permission list must not rest on a call it could not read.
"""

import ast
from dataclasses import dataclass
from pathlib import Path


class UnreadableCallError(ValueError):
    """A call whose service or operation cannot be read from the source."""


@dataclass(frozen=True)
class ClientCall:
    """One `connection_manager.call` in a source file."""

    where: str  # path:line
    service: str  # boto3 client name
    operation: str  # snake_case
    parameters: frozenset[str]  # literal keys of the kwargs dict, when it is a literal
    other_role: bool  # made with `sceptre_role=` (another role than the stack's own)


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_manager_call(node: ast.AST) -> bool:
    function = node.func if isinstance(node, ast.Call) else None
    return (
        isinstance(function, ast.Attribute)
        and function.attr == "call"
        and isinstance(function.value, ast.Attribute)
        and function.value.attr == "connection_manager"
    )


def _argument(call: ast.Call, position: int, name: str) -> ast.AST | None:
    keywords = {keyword.arg: keyword.value for keyword in call.keywords}
    if name in keywords:
        return keywords[name]
    return call.args[position] if len(call.args) > position else None


def calls_in(path: Path, label: str) -> list[ClientCall]:
    """Every connection-manager call in the file at `path` (`label`: how to name the file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        where = f"{label}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Name) and node.id == "boto3":
            raise UnreadableCallError(f"{where}: uses boto3 directly")
        if not _is_manager_call(node):
            continue
        service = _literal(_argument(node, 0, "service"))
        operation = _literal(_argument(node, 1, "command"))
        if service is None or operation is None:
            raise UnreadableCallError(f"{where}: service or command is not a literal")
        kwargs = _argument(node, 2, "kwargs")
        keys = kwargs.keys if isinstance(kwargs, ast.Dict) else []
        parameters = frozenset(k for k in (_literal(key) for key in keys) if k)
        other_role = any(keyword.arg == "sceptre_role" for keyword in node.keywords)
        found.append(ClientCall(where, service, operation, parameters, other_role))
    return found


def calls_under(folder: Path, label_root: Path, skip: frozenset[str] = frozenset()) -> list:
    """Every connection-manager call in the Python files under `folder`, except the files
    (relative to `label_root`) in `skip`."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        label = path.relative_to(label_root).as_posix()
        if label not in skip:
            found += calls_in(path, label)
    return found
