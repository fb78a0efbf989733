"""AssumeRole evaluates the trust policy of a role that exists, as AWS does.

moto hands out credentials for any role ARN, so a trust policy naming the wrong principal or
requiring an ExternalId the caller does not send would pass here and fail in AWS. Now, when the
role exists in its account, the caller must be admitted by an Allow statement for
sts:AssumeRole (principal: the caller's exact ARN, its account root or account id; conditions
StringEquals/StringLike on sts:ExternalId, aws:PrincipalArn, aws:PrincipalAccount) and by no
Deny statement; otherwise the answer is AccessDenied. A condition on any other key or operator
never matches (stricter than AWS, never looser).

A role that does not exist can still be assumed: the deploy roles of an account are created by
its iam stack, and moto has no account admin role to bootstrap with (docs/emulator.md).

Every AssumeRole call, admitted or not, is appended to a journal (what CloudTrail records in
AWS): `GET /tapstack-emulator/assume-role-journal?since=N` answers
`{"entries": [{"caller", "role", "admitted"}, ...], "next": M}` from entry N on, so a test can
list the roles one command assumed.
"""

import fnmatch
import json
import threading
from typing import Any

from moto.core.exceptions import ServiceException
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse

_moto_assume_role = TokenResponse.assume_role
_JOURNAL: list[dict[str, Any]] = []
_JOURNAL_LOCK = threading.Lock()
_OPERATORS = {
    "StringEquals": lambda value, wanted: value == wanted,
    "StringLike": lambda value, wanted: fnmatch.fnmatchcase(value, wanted),
}


class AccessDenied(ServiceException):
    """STS's answer when the trust policy does not admit the caller."""

    code = "AccessDenied"


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def principal_arn(caller_arn: str) -> str:
    """The IAM principal behind a caller ARN (an assumed-role session -> its role)."""
    _, partition, _, _, account, resource = caller_arn.split(":", 5)
    if resource.startswith("assumed-role/"):
        return f"arn:{partition}:iam::{account}:role/{resource.split('/')[1]}"
    return f"arn:{partition}:iam::{account}:{resource}"


def _principal_matches(principal: Any, caller: str, account: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    partition = caller.split(":")[1]
    admitted = {caller, account, f"arn:{partition}:iam::{account}:root", "*"}
    return any(value in admitted for value in _as_list(principal.get("AWS", [])))


def _conditions_hold(conditions: dict, context: dict[str, str]) -> bool:
    for operator, tests in conditions.items():
        compare = _OPERATORS.get(operator)
        if compare is None:
            return False
        for key, wanted in tests.items():
            value = context.get(key.lower())
            if value is None or not any(compare(value, w) for w in _as_list(wanted)):
                return False
    return True


def admits(document: dict, caller: str, account: str, external_id: str | None) -> bool:
    """True when the trust policy lets `caller` (an IAM principal ARN) assume the role."""
    context = {"aws:principalarn": caller, "aws:principalaccount": account}
    if external_id is not None:
        context["sts:externalid"] = external_id
    allowed = False
    for statement in _as_list(document.get("Statement", [])):
        actions = _as_list(statement.get("Action", []))
        if not any(fnmatch.fnmatchcase("sts:AssumeRole", a) for a in actions):
            continue
        if not _principal_matches(statement.get("Principal"), caller, account):
            continue
        if not _conditions_hold(statement.get("Condition", {}), context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


def _existing_role(role_arn: str) -> Any:
    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("role/"):
        return None
    account, name = parts[4], parts[5].rsplit("/", 1)[-1]
    backend = iam_backends[account][parts[1]]
    return next((role for role in backend.roles.values() if role.name == name), None)


def journal(since: int = 0) -> dict[str, Any]:
    """The AssumeRole calls from entry `since` on, and the index of the next one."""
    with _JOURNAL_LOCK:
        return {"entries": [dict(entry) for entry in _JOURNAL[since:]], "next": len(_JOURNAL)}


def _record(caller_arn: str, role_arn: str, admitted: bool) -> None:
    with _JOURNAL_LOCK:
        _JOURNAL.append({"caller": caller_arn, "role": role_arn, "admitted": admitted})


def assume_role(self: TokenResponse) -> Any:
    """moto's AssumeRole after the trust policy check; every call is journaled."""
    role_arn = self._get_param("RoleArn")
    role = _existing_role(role_arn)
    sts = sts_backends[self.current_account][self.partition]
    _, caller_arn, caller_account = sts.get_caller_identity(self.get_access_key(), self.region)
    if role is not None:
        caller = principal_arn(caller_arn)
        document = role.assume_role_policy_document
        if isinstance(document, str):
            document = json.loads(document)
        if not admits(document, caller, caller_account, self._get_param("ExternalId")):
            _record(caller_arn, role_arn, admitted=False)
            raise AccessDenied(
                f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on "
                f"resource: {role_arn}"
            )
    _record(caller_arn, role_arn, admitted=True)
    return _moto_assume_role(self)


def apply() -> None:
    """Install the check."""
    TokenResponse.assume_role = assume_role
