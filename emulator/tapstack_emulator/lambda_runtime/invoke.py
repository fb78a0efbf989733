"""Invoke a moto Lambda function without Docker: its zip, its role's credentials, a subprocess.

The zip (moto keeps its bytes) is extracted once per content hash. The child runs with the
function's Environment.Variables, Lambda's reserved variables, credentials from assuming the
function's role through moto's STS (so its calls land in the function's account, as in AWS),
AWS_ENDPOINT_URL pointing back at the emulator, and SSL_CERT_FILE trusting the emulator's CA.
An image function runs from a task root built from its command's package (image_root.py); a
function in a VPC sees the local clusters at their VPC addresses (vpc_addresses.py). It is
killed at the function's Timeout. Its output goes to the function's log group.
"""

import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.logs.models import logs_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from tapstack_emulator import runtime, tls
from tapstack_emulator.lambda_runtime import image_root, vpc_addresses
from tapstack_emulator.lambda_runtime.lending import lending

RUNNER = Path(__file__).with_name("runner.py")
# AWS's published RDS trust bundles: in the local AWS the emulator's CA signs RDS certificates,
# so a package's copy of these bundles also trusts that CA (same code, same file name).
RDS_BUNDLE_NAMES = re.compile(
    r"(global-bundle|rds-combined-ca-bundle|rds-ca-[a-z0-9-]+|[a-z]{2}(-[a-z]+)+-\d-bundle)\.pem"
)
LOG_TAIL_LINES = 20


class InvocationError(RuntimeError):
    """The function could not be run at all (no code, no role)."""


@dataclass(frozen=True)
class Invocation:
    """What one run produced."""

    request_id: str
    result: Any
    error: str | None
    timed_out: bool
    log: str

    def log_tail(self) -> str:
        """The last lines of the function's output, for failure reasons."""
        return "\n".join(self.log.strip().splitlines()[-LOG_TAIL_LINES:])


def invoke(
    function: LambdaFunction,
    event: dict[str, Any],
    python: str = sys.executable,
    handler: str | None = None,
    base_env: dict[str, str] | None = None,
) -> Invocation:
    """Run `function`'s handler with `event`; wait for it (up to its Timeout). `python`,
    `handler` and `base_env` stand in for a container image's interpreter, command and `ENV`
    (see `run`)."""
    if handler is not None:
        try:
            code_dir = image_root.task_root(python, handler, RDS_BUNDLE_NAMES.fullmatch)
        except image_root.ImageRootError as err:
            raise InvocationError(f"function {function.function_name}: {err}") from None
    elif not getattr(function, "code_bytes", b""):
        raise InvocationError(
            f"function {function.function_name} has no code the local AWS can run"
        )
    else:
        code_dir = _extract(function)
    handler = handler or function.handler or ""
    request_id = str(uuid.uuid4())
    credentials = _assume_role(function)
    timeout = float(function.timeout or 3)
    log_group = _log_group(function)
    stream = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
    context = {
        "function_name": function.function_name,
        "function_version": "$LATEST",
        "invoked_function_arn": function.function_arn,
        "memory_limit_in_mb": int(function.memory_size or 128),
        "aws_request_id": request_id,
        "log_group_name": log_group,
        "log_stream_name": stream,
        "timeout": timeout,
    }
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "HOME": str(runtime.work_dir()),
        "PYTHONPATH": str(code_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
        "LAMBDA_TASK_ROOT": str(code_dir),
        "_HANDLER": handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(context["memory_limit_in_mb"]),
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_ENDPOINT_URL": runtime.endpoint(),
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token,
        "SSL_CERT_FILE": str(tls.bundle()),
        **_in_task_root(base_env or {}, code_dir),
        **{k: str(v) for k, v in (function.environment_vars or {}).items()},
        **vpc_addresses.environment(function),
    }
    with tempfile.TemporaryDirectory(prefix="invoke-", dir=runtime.work_dir()) as scratch:
        event_file, result_file = Path(scratch, "event.json"), Path(scratch, "result.json")
        event_file.write_text(json.dumps({"event": event, "context": context}))
        with lending(credentials.access_key_id):
            try:
                completed = subprocess.run(  # noqa: S603 - our interpreter, our runner
                    [
                        python,
                        "-P",
                        str(RUNNER),
                        handler,
                        str(event_file),
                        str(result_file),
                    ],
                    cwd=code_dir,
                    env=environment,
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                )
                log, timed_out = completed.stdout + completed.stderr, False
            except subprocess.TimeoutExpired as expired:
                log = _text(expired.stdout) + _text(expired.stderr)
                log += f"\nTask timed out after {timeout:.2f} seconds"
                timed_out = True
        outcome = json.loads(result_file.read_text()) if result_file.exists() else {}
    _write_log(function, log_group, stream, log)
    error = None
    if timed_out:
        error = f"Task timed out after {timeout:.2f} seconds"
    elif "errorType" in outcome:
        error = f"{outcome['errorType']}: {outcome['errorMessage']}"
    elif "result" not in outcome:
        error = f"Runtime exited without a result: {log.strip().splitlines()[-1:] or ''}"
    return Invocation(request_id, outcome.get("result"), error, timed_out, log)


def _in_task_root(variables: dict[str, str], code_dir: Path) -> dict[str, str]:
    """Image `ENV` values with the image's task root (/var/task) pointed at `code_dir`."""
    return {name: value.replace("/var/task", str(code_dir)) for name, value in variables.items()}


def _text(output: str | bytes | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else (output or "")


def _extract(function: LambdaFunction) -> Path:
    """The function's code, unzipped under the scratch directory (once per content)."""
    digest = function.code_sha_256.replace("/", "_").replace("+", "-")
    target = runtime.work_dir() / "lambda" / digest
    if not target.is_dir():
        partial = target.with_name(f".{digest}.{uuid.uuid4().hex}")
        with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
            archive.extractall(partial)
        for bundle in partial.rglob("*.pem"):
            if RDS_BUNDLE_NAMES.fullmatch(bundle.name):
                with bundle.open("a", encoding="utf-8") as pem:
                    pem.write("\n" + tls.bundle().read_text())
        partial.rename(target)
    return target


def _assume_role(function: LambdaFunction) -> Any:
    """Temporary credentials of the function's execution role (moto STS, in process)."""
    partition = get_partition(function.region)
    return sts_backends[function.account_id][partition].assume_role(
        region_name=function.region,
        role_session_name=function.function_name[:64],
        role_arn=function.role,
        policy=None,
        duration=3600,
        external_id=None,
    )


def _log_group(function: LambdaFunction) -> str:
    logging_config = getattr(function, "logging_config", None) or {}
    return logging_config.get("LogGroup") or f"/aws/lambda/{function.function_name}"


def _write_log(function: LambdaFunction, group: str, stream: str, log: str) -> None:
    """Put the run's output into the function's log group, if that group exists."""
    logs = logs_backends[function.account_id][function.region]
    if group not in logs.groups or not log.strip():
        return
    logs.create_log_stream(group, stream)
    now = int(time.time() * 1000)
    events = [{"timestamp": now, "message": line} for line in log.splitlines() if line.strip()]
    logs.put_log_events(group, stream, events)


def image_command(function: LambdaFunction, config: dict[str, Any]) -> list[str]:
    """What an image function runs: its ImageConfig.Command, else the image's own CMD."""
    configured = list(getattr(function.image_config, "cmd", None) or [])
    return configured or list(config.get("Cmd") or [])


def image_environment(config: dict[str, Any]) -> dict[str, str]:
    """The image's `ENV` lines (the function's own variables override them, as in Lambda)."""
    pairs = (entry.partition("=") for entry in config.get("Env") or [])
    return {name: value for name, _, value in pairs if name}


def run(function: LambdaFunction, event: dict[str, Any]) -> Invocation:
    """Run `function` with `event`: a zip from its code, an image from its command's package
    with the interpreter `image_python()` names. InvocationError when it cannot run here."""
    from tapstack_emulator.behaviours.ecr_images import image_config

    if function.package_type != "Image":
        return invoke(function, event)
    config = image_config(function.code.get("ImageUri", "")) or {}
    python, command = image_python(), image_command(function, config)
    if not python or not command:
        raise InvocationError(
            f"the local AWS runs an image function only with TAPSTACK_EMULATOR_IMAGE_PYTHON set "
            f"and a command (ImageConfig.Command or the image's CMD); {function.function_name} "
            f"is {function.code.get('ImageUri')}"
            + ("" if command else ", whose command is unknown (no config blob in ECR)")
            + ("" if python else ", and TAPSTACK_EMULATOR_IMAGE_PYTHON is not set")
            + " (docs/emulator.md)"
        )
    return invoke(
        function, event, python=python, handler=command[0], base_env=image_environment(config)
    )


def image_python() -> str | None:
    """The interpreter that runs container-image functions, or None (they cannot run).

    The local AWS has no Docker, so it cannot run an image. When TAPSTACK_EMULATOR_IMAGE_PYTHON
    names a Python whose environment has the function's packages installed (the project's own
    environment, where every lambda/ package is a workspace member), an image function runs its
    `ImageConfig.Command` handler with that interpreter, exactly as a zip function runs: the
    function's environment, its role's credentials, its timeout and log group. What runs is the
    code installed in that environment, not the image's layers.
    """
    return os.environ.get("TAPSTACK_EMULATOR_IMAGE_PYTHON") or None
