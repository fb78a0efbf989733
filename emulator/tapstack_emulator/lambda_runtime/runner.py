"""Run one Lambda handler in this (child) process: `python -P runner.py HANDLER IN OUT`.

Standard library only: the function's own packages come first on PYTHONPATH, as in Lambda's
/var/task (`-P` keeps this file's folder off sys.path). IN holds the event and the context
facts; the context object has what Lambda's has (name, version, ARN, memory, request id, log
names, remaining time). The handler's return value (JSON) or its error goes to OUT.

A function in a VPC gets TAPSTACK_EMULATOR_VPC_NETWORK (vpc_addresses.py), which this runner
takes out of the environment before the handler is imported: each local cluster endpoint then
resolves to its address in the VPC, connections to that address reach the local server, and
names of the VPC's private hosted zones resolve as its Route 53 Resolver answers them.
"""

import importlib
import ipaddress
import json
import os
import socket
import sys
import time
import traceback
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

VPC_NETWORK = "TAPSTACK_EMULATOR_VPC_NETWORK"


@dataclass
class LambdaContext:
    """The `context` argument of a Lambda handler."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float = field(repr=False)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until the function's timeout."""
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def _port(port) -> int | None:
    try:
        return int(port)
    except (TypeError, ValueError):
        return None


def _is_address(host) -> bool:
    try:
        ipaddress.ip_address(str(host))
    except ValueError:
        return False
    return True


class VpcResolver:
    """The VPC's Route 53 Resolver for private hosted zones, asked over the emulator's HTTP."""

    MAX_CNAMES = 8

    def __init__(self, url: str, vpc: str, region: str) -> None:
        self.url, self.vpc, self.region = url, vpc, region

    def _records(self, name: str, record_type: str) -> list[str]:
        query = urllib.parse.urlencode(
            {
                "vpc": self.vpc,
                "region": self.region,
                "name": name,
                "type": record_type,
                # the invocation's key: served while the invoking request holds the lock
                "X-Amz-Credential": os.environ.get("AWS_ACCESS_KEY_ID", ""),
            }
        )
        with urllib.request.urlopen(f"{self.url}?{query}", timeout=10) as response:  # noqa: S310 - the emulator
            answer = json.load(response)
        return answer["RecordData"] if answer["ResponseCode"] == "NOERROR" else []

    def canonical(self, name: str) -> tuple[str, list[str]] | None:
        """(canonical name, addresses) for a private name; None when no private zone has it.
        Addresses are empty when the canonical name is outside the private zones."""
        canonical, followed = name.rstrip("."), False
        for _ in range(self.MAX_CNAMES):
            targets = self._records(canonical, "CNAME")
            if not targets:
                break
            canonical, followed = targets[0].rstrip("."), True
        if _is_address(canonical):
            return canonical, [canonical]
        addresses = self._records(canonical, "A")
        if addresses or followed:
            return canonical, addresses
        return None


def use_vpc_network(setting: dict) -> None:
    """Inside the function: each (local host, port) of a cluster resolves to its VPC address,
    connections to that address reach the local server, and private names resolve through the
    VPC's resolver."""
    entries = setting.get("addresses") or []
    to_vpc = {(host, int(port)): address for host, port, address in entries}
    to_local = {(address, int(port)): host for host, port, address in entries}
    resolver = VpcResolver(setting["resolver"], setting["vpc"], setting["region"])
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def answers(canonical, addresses, port, type, proto, flags):
        kinds = [type] if type else [socket.SOCK_STREAM]
        name = canonical if flags & socket.AI_CANONNAME else ""
        return [
            (socket.AF_INET, kind, proto, name, (to_vpc.get((address, _port(port)), address), port))
            for address in addresses
            for kind in kinds
        ]

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if family not in (0, socket.AF_INET) or host is None:
            return real_getaddrinfo(host, port, family, type, proto, flags)
        if _is_address(host):
            if (host, _port(port)) in to_vpc:
                return answers(host, [host], port, type, proto, flags)
            return real_getaddrinfo(host, port, family, type, proto, flags)
        private = resolver.canonical(str(host))
        if private is None:
            return real_getaddrinfo(host, port, family, type, proto, flags)
        canonical, addresses = private
        if not addresses:
            found = real_getaddrinfo(canonical, port, socket.AF_INET, type, proto)
            addresses = sorted({answer[4][0] for answer in found})
        return answers(canonical, addresses, port, type, proto, flags)

    def local(address):
        if isinstance(address, tuple) and len(address) == 2:
            host = to_local.get((address[0], _port(address[1])))
            if host is not None:
                return (host, address[1])
        return address

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = lambda self, address: real_connect(self, local(address))
    socket.socket.connect_ex = lambda self, address: real_connect_ex(self, local(address))


def main(handler_path: str, event_file: str, result_file: str) -> int:
    """Import the handler, call it with the event, write the outcome."""
    started = time.monotonic()
    vpc_network = os.environ.pop(VPC_NETWORK, None)
    if vpc_network:
        use_vpc_network(json.loads(vpc_network))
    with open(event_file, encoding="utf-8") as source:
        request = json.load(source)
    event, facts = request["event"], request["context"]
    timeout = float(facts.pop("timeout"))
    context = LambdaContext(**facts, deadline=started + timeout)
    try:
        module_name, function_name = handler_path.rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), function_name)
        outcome = {"result": handler(event, context)}
    except Exception as err:
        traceback.print_exc()
        outcome = {"errorType": type(err).__name__, "errorMessage": str(err)}
    with open(result_file, "w", encoding="utf-8") as sink:
        json.dump(outcome, sink, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
