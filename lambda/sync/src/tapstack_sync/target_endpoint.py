"""Where a target database is, as prod's deploy published it, checked before the sync connects.

The host and port come from the target's own database stack outputs, which prod's deploy reads;
staging's or dev's administrators can change those outputs. So before any secret is read or any
connection made, the host must resolve, in prod's VPC, only to addresses inside that target's
VPC CIDR from the address plan (config/config.yaml `address_plan`, carried by prod's deploy).
A name that leads anywhere else (the internet, prod's own VPC, another peer) is refused. TLS
with the packaged RDS CA and identity verification then closes the gap between this check and
the driver's own lookup: a server at another address cannot present an RDS certificate for the
name (docs/security.md, "What staging can and cannot make prod do").
"""

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork

from tapstack_sync.errors import RefusedError

Resolver = Callable[..., list[tuple[Any, ...]]]


class TargetEndpoint(BaseModel):
    """A target database as prod's side knows it: where it is and the VPC it must be in."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=253)
    port: int = Field(ge=1, le=65535)
    database: str = Field(min_length=1, max_length=64)
    vpc_cidr: IPvAnyNetwork


def resolved_addresses(
    host: str, port: int, resolve: Resolver = socket.getaddrinfo
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address `host` resolves to for a TCP connection to `port` (literal IPs included)."""
    answers = resolve(host, port, type=socket.SOCK_STREAM)
    return sorted(
        {ipaddress.ip_address(str(answer[4][0]).split("%", 1)[0]) for answer in answers},
        key=lambda address: (address.version, int(address)),
    )


def check_inside_vpc(
    environment: str, endpoint: TargetEndpoint, resolve: Resolver = socket.getaddrinfo
) -> None:
    """Refuse (exit 2) unless `endpoint.host` resolves only into `endpoint.vpc_cidr`."""
    where = f"target {environment}: database endpoint {endpoint.host}:{endpoint.port}"
    try:
        addresses = resolved_addresses(endpoint.host, endpoint.port, resolve)
    except (OSError, UnicodeError, ValueError) as err:
        raise RefusedError(f"{where} does not resolve ({err}); nothing was read") from None
    outside = [str(a) for a in addresses if a not in endpoint.vpc_cidr]
    if not addresses or outside:
        raise RefusedError(
            f"{where} resolves to {', '.join(outside) or 'no address'}, outside {environment}'s "
            f"VPC {endpoint.vpc_cidr} (address plan); refusing to connect, nothing was read"
        )
