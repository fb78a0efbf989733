"""Step Functions executions run: moto's Amazon States Language interpreter, whose AWS calls
reach this local AWS as the state machine's role.

moto ships an ASL interpreter ported from LocalStack (`moto.stepfunctions.parser`), switched on
by its config `stepfunctions.execute_state_machine`; without it StartExecution only records an
execution. Its service integrations (`lambda:invoke`, `sns:publish`, the `aws-sdk:*` ones) call
AWS through `boto_client_for`, which in a server means `http://localhost:5000` (MOTO_PORT)
signed with the made-up key `ak`: the wrong port, and moto's default account instead of the
state machine's. Here those clients reach this emulator's own endpoint with temporary
credentials of the state machine's role (or a Task's `Credentials.RoleArn`), assumed in the
role's account, so a Task invokes the function of the state machine's account and region, and
the function runs through the Lambda runtime (lambda_runtime/invoke.py) like any Invoke. An
execution started without a name is named with a UUID, as in AWS.
"""

import importlib
import uuid
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from moto.core.config import default_user_config
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from tapstack_emulator import runtime

_PARSER = "moto.stepfunctions.parser.asl.component.state.exec"
# Every parser module that imports `boto_client_for` (moto 5.2.5).
CLIENT_MODULES = (
    f"{_PARSER}.state_task.lambda_eval_utils",
    *(
        f"{_PARSER}.state_task.service.state_task_service_{name}"
        for name in (
            "aws_sdk",
            "batch",
            "dynamodb",
            "ecs",
            "events",
            "glue",
            "sfn",
            "sns",
            "sqs",
            "unsupported",
        )
    ),
    f"{_PARSER}.state_map.item_reader.eval.resource_eval_s3",
    f"{_PARSER}.state_map.result_writer.resource_eval.resource_eval_s3",
)
SESSION_NAME = "tapstack-states-execution"
# A Task waits for its call as long as the call takes (the sync Lambda may run 5 minutes).
CLIENT_CONFIG = Config(
    parameter_validation=False,
    retries={"max_attempts": 0, "total_max_attempts": 1},
    connect_timeout=10,
    read_timeout=3600,
)


class ExecutionRoleError(RuntimeError):
    """A Task has no role to act as."""


def role_credentials(role_arn: str, region: str) -> Any:
    """Temporary credentials of `role_arn`, assumed in the role's own account (moto STS, in
    process, under the lock every request holds: this runs on an execution's thread)."""
    account = role_arn.split(":")[4]
    with runtime.backends_lock():
        return sts_backends[account][get_partition(region)].assume_role(
            region_name=region,
            role_session_name=SESSION_NAME,
            role_arn=role_arn,
            policy=None,
            duration=3600,
            external_id=None,
        )


def client_for(region: str, service: str, state_credentials: Any = None) -> BaseClient:
    """A client of this local AWS acting as the Task's role (`boto_client_for`'s signature)."""
    role_arn = getattr(state_credentials, "role_arn", None)
    if not role_arn:
        raise ExecutionRoleError(f"no role to call {service} with (the state machine has none)")
    credentials = role_credentials(role_arn, region)
    session = boto3.session.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        region_name=region,
    )
    return session.client(service, endpoint_url=runtime.endpoint(), config=CLIENT_CONFIG)


_moto_start_execution = StepFunctionsParserBackend.start_execution


def start_execution(
    self: StepFunctionsParserBackend,
    state_machine_arn: str,
    name: str | None = None,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """StartExecution; without a name the execution gets a UUID, as in AWS (moto's interpreter
    names it `None`, so a second unnamed execution "already exists")."""
    name = name or str(uuid.uuid4())
    return _moto_start_execution(self, state_machine_arn, name, *args, **kwargs)


def apply() -> None:
    """Run executions with moto's interpreter; route its AWS calls to this local AWS."""
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    StepFunctionsParserBackend.start_execution = start_execution
    for name in CLIENT_MODULES:
        importlib.import_module(name).boto_client_for = client_for
