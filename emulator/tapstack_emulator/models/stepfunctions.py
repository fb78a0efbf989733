"""AWS::StepFunctions::StateMachine with Definition, DefinitionSubstitutions, logging and tracing.

moto's model reads DefinitionString only (a `Definition` object gives an empty machine), ignores
DefinitionSubstitutions, LoggingConfiguration, TracingConfiguration and StateMachineType. Here
the definition is rendered as CloudFormation does (`${Name}` replaced by each substitution),
DescribeStateMachine shows it with the logging, tracing and type as declared, and every
property but the name updates in place. The machine lives in moto's interpreter backend, so its
executions run (behaviours/state_machine_execution.py).
"""

import json
from typing import Any

from moto.stepfunctions.parser.models import (
    StepFunctionsParserBackend,
    stepfunctions_parser_backends,
)

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register


def backend(scope: Scope) -> StepFunctionsParserBackend:
    """The account and region's Step Functions backend (the one the API serves when moto's
    interpreter is on, and whose executions run)."""
    return stepfunctions_parser_backends[scope.account_id][scope.region_name]


def rendered_definition(properties: dict[str, Any]) -> str:
    """The definition text with DefinitionSubstitutions applied."""
    definition = properties.get("Definition")
    text = json.dumps(definition) if definition is not None else properties["DefinitionString"]
    for name, value in (properties.get("DefinitionSubstitutions") or {}).items():
        text = text.replace(f"${{{name}}}", str(value))
    return text


def api_shape(value: Any) -> Any:
    """CloudFormation's PascalCase keys as the API's camelCase (LoggingConfiguration etc.)."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: api_shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [api_shape(item) for item in value]
    return value


@register
class StateMachine(EmulatedResource):
    """AWS::StepFunctions::StateMachine: Ref is the ARN; GetAtt Arn, Name."""

    TYPE = "AWS::StepFunctions::StateMachine"
    NAME_PROPERTY = "StateMachineName"
    ATTRIBUTES = {"Arn": "physical_id", "Name": "name"}  # noqa: RUF012

    @property
    def name(self) -> str:
        return self.physical_id.rsplit(":", 1)[1]

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "StateMachine":
        tags = [{"key": t["Key"], "value": t["Value"]} for t in properties.get("Tags", [])]
        machine = backend(scope).create_state_machine(
            properties.get("StateMachineName") or name,
            rendered_definition(properties),
            properties["RoleArn"],
            tags=tags,
            loggingConfiguration=api_shape(properties.get("LoggingConfiguration")),
            tracingConfiguration=api_shape(properties.get("TracingConfiguration")),
            encryptionConfiguration=api_shape(properties.get("EncryptionConfiguration")),
            sm_type=properties.get("StateMachineType", "STANDARD"),
        )
        return cls(scope, machine.arn, properties)

    def update(self, properties: dict[str, Any], new_name: str) -> "StateMachine":
        backend(self.scope).update_state_machine(
            self.physical_id,
            definition=rendered_definition(properties),
            role_arn=properties["RoleArn"],
            logging_configuration=api_shape(properties.get("LoggingConfiguration")),
            tracing_configuration=api_shape(properties.get("TracingConfiguration")),
        )
        self.properties = properties
        return self

    def destroy(self) -> None:
        backend(self.scope).delete_state_machine(self.physical_id)
