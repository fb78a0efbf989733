"""Run one Lambda handler in this (child) process: `python -P runner.py HANDLER IN OUT`.

Standard library only: the function's own packages come first on PYTHONPATH, as in Lambda's
/var/task (`-P` keeps this file's folder off sys.path). IN holds the event and the context
facts; the context object has what Lambda's has (name, version, ARN, memory, request id, log
names, remaining time). The handler's return value (JSON) or its error goes to OUT.
"""

import importlib
import json
import sys
import time
import traceback
from dataclasses import dataclass, field


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


def main(handler_path: str, event_file: str, result_file: str) -> int:
    """Import the handler, call it with the event, write the outcome."""
    started = time.monotonic()
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
