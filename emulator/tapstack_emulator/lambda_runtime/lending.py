"""Let a running invocation's AWS calls through while its caller holds the server lock.

The server serves requests one at a time. A custom resource's handler runs while CreateStack
(holding the lock) waits for it, and the handler's own AWS calls would wait for that lock
forever. Those calls are signed with the credentials the emulator issued for the invocation,
so requests signed with a lent access key are served without the lock: the lock holder is
only waiting, and the lent requests are serialised among themselves. Credentials a lent request
obtains from STS (a function assuming a role in another account) are lent too, until the
invocation ends.
"""

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]{16,128})/")
_ISSUED_KEY = re.compile(rb"<AccessKeyId>([A-Z0-9]{16,128})</AccessKeyId>")
_lent: set[str] = set()
_derived: dict[str, set[str]] = {}  # lent key -> keys its requests obtained from STS
_lent_guard = threading.Lock()
lent_lock = threading.RLock()


def access_key_of(environ: dict[str, Any]) -> str | None:
    """The access key id a WSGI request is signed with (header or presigned query)."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1)
    query = re.search(r"X-Amz-Credential=([A-Z0-9]+)", environ.get("QUERY_STRING", ""))
    return query.group(1) if query else None


def is_lent(environ: dict[str, Any]) -> bool:
    """True when the request comes from an invocation whose caller holds the lock."""
    key = access_key_of(environ)
    with _lent_guard:
        return key is not None and key in _lent


def lend_issued(environ: dict[str, Any], body: list[bytes]) -> None:
    """Lend the credentials a lent request's response issues (STS AssumeRole and friends)."""
    parent = access_key_of(environ)
    issued = [match.decode() for match in _ISSUED_KEY.findall(b"".join(body))]
    if not issued or parent is None:
        return
    with _lent_guard:
        root = next((key for key, keys in _derived.items() if parent in keys), parent)
        _derived.setdefault(root, set()).update(issued)
        _lent.update(issued)


@contextmanager
def lending(access_key_id: str) -> Iterator[None]:
    """Serve `access_key_id`'s requests (and those of credentials they obtain from STS)
    without the server lock for the block."""
    with _lent_guard:
        _lent.add(access_key_id)
    try:
        yield
    finally:
        with _lent_guard:
            _lent.discard(access_key_id)
            for key in _derived.pop(access_key_id, set()):
                _lent.discard(key)
