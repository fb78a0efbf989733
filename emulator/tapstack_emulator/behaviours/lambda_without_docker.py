"""Lambda's Invoke API runs the function in a subprocess (no Docker); configuration shows
LoggingConfig.

moto runs functions only in Docker (there is no daemon here) and leaves LoggingConfig out of
GetFunction/GetFunctionConfiguration.
"""

import json
from typing import Any

from moto.awslambda.models import LambdaFunction

_moto_get_configuration = LambdaFunction.get_configuration


def _invoke_lambda(self: LambdaFunction, event: str | None = None) -> tuple[str, bool, str]:
    """(payload, errored, log) as moto's Docker path returns them."""
    from tapstack_emulator.lambda_runtime.invoke import invoke

    parsed = json.loads(event) if isinstance(event, str) and event else (event or {})
    invocation = invoke(self, parsed)
    if invocation.error is not None:
        error_type, _, message = invocation.error.partition(": ")
        payload = {"errorType": error_type, "errorMessage": message or invocation.error}
        return json.dumps(payload), True, invocation.log
    return json.dumps(invocation.result), False, invocation.log


def _get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
    configuration = _moto_get_configuration(self, on_create)
    logging_config = getattr(self, "logging_config", None)
    if logging_config:
        configuration["LoggingConfig"] = {"LogFormat": "Text", **logging_config}
    return configuration


def apply() -> None:
    """Route invocations to the in-process runner; show LoggingConfig."""
    LambdaFunction._invoke_lambda = _invoke_lambda
    LambdaFunction.get_configuration = _get_configuration
