"""Evaluate IAM policy documents for one request, as AWS's policy logic does.

Covers what the emulator's checks need: Action/NotAction and Resource/NotResource with
wildcards, Principal (resource policies: key and trust policies), and Conditions with the
String*, Arn* and Bool operators (with ...IfExists). An explicit Deny wins; otherwise one
applicable Allow allows. A statement the emulator cannot evaluate (NotPrincipal, another
condition operator, ForAnyValue/ForAllValues) never applies as an Allow and always applies as a
Deny: stricter than AWS, never looser.
"""

import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALLOW = "Allow"
DENY = "Deny"

_STRING_OPERATORS = {
    "StringEquals": lambda value, wanted: value == wanted,
    "StringEqualsIgnoreCase": lambda value, wanted: value.lower() == wanted.lower(),
    "StringLike": lambda value, wanted: fnmatch.fnmatchcase(value, wanted),
    "ArnEquals": lambda value, wanted: value == wanted,
    "ArnLike": lambda value, wanted: fnmatch.fnmatchcase(value, wanted),
    "Bool": lambda value, wanted: value.lower() == wanted.lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


class CannotEvaluateError(Exception):
    """A statement uses something this evaluator does not model."""


@dataclass(frozen=True)
class Request:
    """What is asked: `action` on `resource`, by `principals` (resource policies only: kind ->
    values, e.g. {"AWS": {role_arn}} or {"Service": {"s3.amazonaws.com"}}), in `context`
    (condition keys, any case)."""

    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)
    principals: Mapping[str, set[str]] | None = None


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def statements(document: str | Mapping[str, Any]) -> list[dict[str, Any]]:
    """The statements of a policy document given as JSON text or a dict."""
    parsed = json.loads(document) if isinstance(document, str) else document
    return _as_list(parsed.get("Statement", []))


def _matches_any(value: str, patterns: Iterable[Any], case_sensitive: bool) -> bool:
    if not case_sensitive:
        return any(fnmatch.fnmatchcase(value.lower(), str(p).lower()) for p in patterns)
    return any(fnmatch.fnmatchcase(value, str(p)) for p in patterns)


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not _matches_any(action, _as_list(statement["NotAction"]), case_sensitive=False)
    return _matches_any(action, _as_list(statement.get("Action", [])), case_sensitive=False)


def _resource_matches(statement: Mapping[str, Any], resource: str) -> bool:
    if "NotResource" in statement:
        return not _matches_any(resource, _as_list(statement["NotResource"]), True)
    return _matches_any(resource, _as_list(statement.get("Resource", "*")), True)


def _principal_matches(statement: Mapping[str, Any], principals: Mapping[str, set[str]]) -> bool:
    if "NotPrincipal" in statement:
        raise CannotEvaluateError("NotPrincipal")
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    return any(
        value == "*" or value in principals.get(kind, set())
        for kind, values in principal.items()
        for value in _as_list(values)
    )


def _condition_holds(operator: str, key: str, wanted: Any, context: Mapping[str, str]) -> bool:
    base = operator.removesuffix("IfExists")
    if ":" in base or base not in {*_STRING_OPERATORS, *_NEGATED}:
        raise CannotEvaluateError(operator)
    value = context.get(key.lower())
    if value is None:
        return operator.endswith("IfExists") or base in _NEGATED
    compare = _STRING_OPERATORS[_NEGATED.get(base, base)]
    matched = any(compare(value, _text(w)) for w in _as_list(wanted))
    return not matched if base in _NEGATED else matched


def _conditions_hold(statement: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    return all(
        _condition_holds(operator, key, wanted, context)
        for operator, tests in (statement.get("Condition") or {}).items()
        for key, wanted in tests.items()
    )


def _applies(statement: Mapping[str, Any], request: Request, context: Mapping[str, str]) -> bool:
    if not _action_matches(statement, request.action):
        return False
    if not _resource_matches(statement, request.resource):
        return False
    if request.principals is not None and not _principal_matches(statement, request.principals):
        return False
    return _conditions_hold(statement, context)


def decide(documents: Iterable[str | Mapping[str, Any]], request: Request) -> str | None:
    """ALLOW, DENY (an explicit Deny), or None (no statement allows: implicit deny)."""
    context = {key.lower(): value for key, value in request.context.items()}
    allowed = False
    for document in documents:
        for statement in statements(document):
            is_deny = statement.get("Effect") == DENY
            try:
                applies = _applies(statement, request, context)
            except CannotEvaluateError:
                applies = is_deny
            if applies and is_deny:
                return DENY
            allowed = allowed or applies
    return ALLOW if allowed else None
