"""Lambda's Invoke API runs a function in a subprocess (no Docker); configuration shows
LoggingConfig and DeadLetterConfig; GetFunction shows an image's resolved digest.

moto runs functions only in Docker (there is no daemon here), leaves LoggingConfig and
DeadLetterConfig out of GetFunction/GetFunctionConfiguration and reports a made-up
ResolvedImageUri. A zip runs from its code; a container-image function runs from its
command's package with the image interpreter (lambda_runtime.invoke.run), and answers
LocalAwsCannotRunImages when that is impossible here.
"""

import json
from typing import Any

from moto.awslambda.models import LambdaFunction

_moto_get_configuration = LambdaFunction.get_configuration
_moto_get_code = LambdaFunction.get_code


def _invoke_lambda(self: LambdaFunction, event: str | None = None) -> tuple[str, bool, str]:
    """(payload, errored, log) as moto's Docker path returns them."""
    from tapstack_emulator.lambda_runtime.invoke import InvocationError, run

    parsed = json.loads(event) if isinstance(event, str) and event else (event or {})
    try:
        invocation = run(self, parsed)
    except InvocationError as err:
        payload = {"errorType": "LocalAwsCannotRunImages", "errorMessage": str(err)}
        return json.dumps(payload), True, ""
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
    dead_letter_config = getattr(self, "dead_letter_config", None)
    if dead_letter_config:
        configuration["DeadLetterConfig"] = dead_letter_config
    return configuration


def _get_code(self: LambdaFunction) -> dict[str, Any]:
    response = _moto_get_code(self)
    digest = getattr(self, "resolved_image_digest", None)
    if digest and "ImageUri" in self.code:
        repository = self.code["ImageUri"].split("@", 1)[0].rsplit(":", 1)[0]
        response["Code"]["ResolvedImageUri"] = f"{repository}@{digest}"
    return response


def apply() -> None:
    """Route invocations to the in-process runner; show LoggingConfig, DeadLetterConfig and
    the resolved image digest."""
    LambdaFunction._invoke_lambda = _invoke_lambda
    LambdaFunction.get_configuration = _get_configuration
    LambdaFunction.get_code = _get_code
