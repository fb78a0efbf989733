"""Every signed request is journaled: who made it, and the API action it asked for.

moto works out, for each request its dispatcher serves, the action its IAM access control would
check (`self._get_action()`; for S3, moto's name for the bucket or object operation) and the
resource, even though access control is off here. This module records them then, as CloudTrail
records management events in AWS: `{caller, service, action, resource, method, query, headers}`.
`caller` is the IAM principal behind the access key (the role of an assumed-role session, or the
user; null for a key moto never issued); `service` is the signing name of the request's
credential scope (CloudWatch signs as `monitoring`); `query` the names of the query parameters;
`headers` the names of the request's `x-amz-*` option headers (S3 carries options that need their
own permission there, e.g. `x-amz-bypass-governance-retention`).

A signed request moto serves without that step is journaled with `action: null` and its method
and path, so a check built on the journal sees what it cannot judge instead of missing it.
Unsigned requests (health checks, custom-resource responses) are not journaled.

`GET /tapstack-emulator/call-journal?since=N` answers `{"entries": [...], "next": M}` from entry
N on (server.py). The journal lives in memory and keeps the latest KEPT entries (a long-running
`make up` would otherwise grow without end); entry numbers never restart.
"""

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlparse

from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.models import iam_backends

_moto_authorize = ActionAuthenticatorMixin._authenticate_and_authorize_action
_SCOPE = re.compile(r"Credential=([^/\s]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
KEPT = 200_000
_JOURNAL: list[dict[str, Any]] = []
_dropped = 0  # entries before _JOURNAL[0]
_LOCK = threading.Lock()
_PRINCIPALS: dict[str, str] = {}  # access key id -> principal ARN (keys never change owner)
_request = threading.local()


def principal_of(access_key_id: str) -> str | None:
    """The IAM principal an access key belongs to: a role (assumed-role keys) or a user."""
    if access_key_id in _PRINCIPALS:
        return _PRINCIPALS[access_key_id]
    for account, partitions in list(iam_backends.items()):
        for partition, backend in list(partitions.items()):
            key = backend.access_keys.get(access_key_id)
            if key is None:
                continue
            principal = key.role_arn or f"arn:{partition}:iam::{account}:user/{key.user_name}"
            _PRINCIPALS[access_key_id] = principal
            return principal
    return None


def _scope(authorization: str) -> tuple[str, str] | None:
    match = _SCOPE.search(authorization or "")
    return (match.group(1), match.group(3)) if match else None


# Headers every signed request carries: not options of the call.
_SIGNING_HEADERS = frozenset(
    {"x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "x-amz-user-agent"}
)


def _option_headers(headers: Any) -> list[str]:
    names = {str(name).lower() for name, _value in headers.items()}
    return sorted(n for n in names if n.startswith("x-amz-") and n not in _SIGNING_HEADERS)


def _append(access_key_id: str, service: str, action: str | None, request: dict) -> None:
    entry = {
        "caller": principal_of(access_key_id),
        "service": service,
        "action": action,
        **request,
    }
    global _dropped
    with _LOCK:
        _JOURNAL.append(entry)
        if len(_JOURNAL) > KEPT:
            _dropped += len(_JOURNAL) - KEPT // 2
            del _JOURNAL[: len(_JOURNAL) - KEPT // 2]


def _authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    """moto's authorization step, after journaling what it is asked to authorize."""
    scope = _scope(self.headers.get("Authorization", ""))
    if scope is not None:
        action = self._get_action()
        request = {
            "resource": resource,
            "method": self.method,
            "query": sorted(parse_qs(urlparse(self.uri).query, keep_blank_values=True)),
            "headers": _option_headers(self.headers),
        }
        _append(scope[0], scope[1], action[0] if isinstance(action, list) else action, request)
        _request.journaled = True
    return _moto_authorize(self, iam_request_cls, resource)


@contextmanager
def request(environ: dict[str, Any]) -> Iterator[None]:
    """Serve one request inside this block: journaled with `action: null` when signed and
    moto's authorization step did not journal it."""
    _request.journaled = False
    try:
        yield
    finally:
        scope = _scope(environ.get("HTTP_AUTHORIZATION", ""))
        if scope is not None and not _request.journaled:
            request = {
                "resource": environ.get("PATH_INFO"),
                "method": environ.get("REQUEST_METHOD"),
                "query": sorted(parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
                "headers": [],
            }
            _append(scope[0], scope[1], None, request)


def journal(since: int = 0) -> dict[str, Any]:
    """The entries from `since` on (those still kept), and the number of the next one."""
    with _LOCK:
        kept = _JOURNAL[max(since - _dropped, 0) :]
        return {"entries": [dict(entry) for entry in kept], "next": _dropped + len(_JOURNAL)}


def apply() -> None:
    """Journal every request moto authorizes."""
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize
