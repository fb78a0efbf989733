"""The host a stable database name stands for, so TLS verifies the name the certificate holds.

The validator reaches the writer through a stable name (in prod the Route 53 failover CNAME
`writer.db.prod.tapstack.internal`); Aurora's certificate names the RDS endpoints, not that
alias. Resolving the name with `AI_CANONNAME` follows its CNAME chain to the RDS endpoint, and
the connection is opened to, and its certificate verified against, that canonical name. The
name is resolved on every connection, so a failover is followed as soon as the record's TTL
expires, without waiting for any cache of the SSM parameter that holds it.
"""

import socket
from collections.abc import Callable, Sequence
from typing import Any

#: `socket.getaddrinfo`'s shape; tests inject a stub at this boundary.
Resolver = Callable[..., Sequence[tuple[Any, ...]]]


class UnresolvableHostError(RuntimeError):
    """The stable database name does not resolve."""


def canonical_host(
    name: str, port: int, *, source: str, resolve: Resolver = socket.getaddrinfo
) -> str:
    """The canonical name `name` resolves to (the end of its CNAME chain; `name` itself when it
    has no alias). `source` says where the name came from, for the error when it does not
    resolve."""
    try:
        answers = resolve(name, port, type=socket.SOCK_STREAM, flags=socket.AI_CANONNAME)
    except OSError as err:
        raise UnresolvableHostError(
            f"database host {name!r} (from {source}) does not resolve: {err}"
        ) from err
    if not answers:
        raise UnresolvableHostError(
            f"database host {name!r} (from {source}) resolves to no address"
        )
    # getaddrinfo reports the canonical name in the first answer only; an empty one means the
    # resolver knows no other name for it (a literal address, or a name without an alias).
    canonical = str(answers[0][3]).rstrip(".")
    return canonical or name
