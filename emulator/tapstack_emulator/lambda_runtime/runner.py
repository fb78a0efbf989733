"""Run one Lambda handler in this (child) process: `python -P runner.py HANDLER IN OUT`.

Standard library only: the function's own packages come first on PYTHONPATH, as in Lambda's
/var/task (`-P` keeps this file's folder off sys.path). IN holds the event and the context
facts; the context object has what Lambda's has (name, version, ARN, memory, request id, log
names, remaining time). The handler's return value (JSON) or its error goes to OUT.

A function in a VPC gets TAPSTACK_EMULATOR_VPC_ADDRESSES (vpc_addresses.py), which this runner
takes out of the environment before the handler is imported: each local cluster endpoint then
resolves to its address in the VPC, and connections to that address reach the local server.
"""

import importlib
import json
import os
import socket
import sys
import time
import traceback
from dataclasses import dataclass, field

VPC_ADDRESSES = "TAPSTACK_EMULATOR_VPC_ADDRESSES"


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


def use_vpc_addresses(entries: list[list]) -> None:
    """Resolve each (local host, port) to its VPC address, and connect that address locally."""
    to_vpc = {(host, int(port)): address for host, port, address in entries}
    to_local = {(address, int(port)): host for host, port, address in entries}
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        address = to_vpc.get((host, _port(port)))
        if address is None or family not in (0, socket.AF_INET):
            return real_getaddrinfo(host, port, family, type, proto, flags)
        kinds = [type] if type else [socket.SOCK_STREAM]
        return [(socket.AF_INET, kind, proto, "", (address, _port(port))) for kind in kinds]

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
    vpc_addresses = os.environ.pop(VPC_ADDRESSES, None)
    if vpc_addresses:
        use_vpc_addresses(json.loads(vpc_addresses))
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
