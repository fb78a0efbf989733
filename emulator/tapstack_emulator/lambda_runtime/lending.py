"""Let a running invocation's AWS calls through while its caller holds the server lock.

The server serves requests one at a time. A custom resource's handler runs while CreateStack
(holding the lock) waits for it, and the handler's own AWS calls would wait for that lock
forever. Those calls are signed with the credentials the emulator issued for the invocation,
so requests signed with a lent access key are served without the lock: the lock holder is
only waiting, and the lent requests are serialised among themselves.
"""

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]{16,128})/")
_lent: set[str] = set()
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


@contextmanager
def lending(access_key_id: str) -> Iterator[None]:
    """Serve `access_key_id`'s requests without the server lock for the block."""
    with _lent_guard:
        _lent.add(access_key_id)
    try:
        yield
    finally:
        with _lent_guard:
            _lent.discard(access_key_id)
