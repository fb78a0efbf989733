"""Evaluate bucket-policy Conditions instead of ignoring them.

moto enforces bucket-policy statements whose principal is "*" but ignores their Conditions,
so the standard TLS-only statement (Deny s3:* when aws:SecureTransport is false) denies every
request: nothing can be uploaded to a TLS-only bucket. Here a statement applies only when its
conditions hold for the request context. The emulator listens on plain HTTP on 127.0.0.1
as a stand-in for AWS's HTTPS endpoints, so aws:SecureTransport is "true".
"""

import fnmatch
import json
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket

REQUEST_CONTEXT = {"aws:securetransport": "true"}


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in items]


def condition_holds(operator: str, key: str, expected: Any, context: dict[str, str]) -> bool:
    """One condition of a statement, evaluated against the request context."""
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    actual = context.get(key.lower())
    if actual is None:
        return if_exists or base.startswith("StringNot") or base == "Null"
    wanted = _values(expected)
    if base == "Bool":
        return actual.lower() in [w.lower() for w in wanted]
    if base == "StringEquals":
        return actual in wanted
    if base == "StringNotEquals":
        return actual not in wanted
    if base == "StringLike":
        return any(fnmatch.fnmatchcase(actual, w) for w in wanted)
    if base == "StringNotLike":
        return not any(fnmatch.fnmatchcase(actual, w) for w in wanted)
    return False  # an operator we cannot evaluate: the statement does not apply


def statement_applies(statement: dict[str, Any], context: dict[str, str]) -> bool:
    """True when every condition of `statement` holds."""
    for operator, checks in (statement.get("Condition") or {}).items():
        for key, expected in checks.items():
            if not condition_holds(operator, key, expected, context):
                return False
    return True


def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
    """FakeBucket.get_permission over the statements whose conditions hold."""
    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy.decode())
    statements = document["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    applicable = [
        {k: v for k, v in s.items() if k != "Condition"}
        for s in statements
        if statement_applies(s, REQUEST_CONTEXT)
    ]
    if not applicable:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps({**document, "Statement": applicable})).is_action_permitted(
        action, resource
    )


def apply() -> None:
    """Replace moto's bucket-policy check."""
    FakeBucket.get_permission = get_permission
