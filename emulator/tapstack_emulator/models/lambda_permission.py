"""AWS::Lambda::Permission that can be deleted (and replaced on update), as in CloudFormation.

moto's model only adds the statement: it has no update or delete, so a stack holding one could
never be deleted (the emulator fails such operations instead of skipping them). Here the
statement is added to the function's resource policy (GetPolicy shows it) with a statement id
of our own, and removed again on delete; every property change replaces it, as in
CloudFormation.
"""

import contextlib
import json
import uuid
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException, UnknownPolicyException
from moto.awslambda.models import LambdaFunction, lambda_backends

from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register

STATEMENT_PROPERTIES = (
    "Action",
    "Principal",
    "SourceAccount",
    "SourceArn",
    "PrincipalOrgID",
    "EventSourceToken",
    "FunctionUrlAuthType",
)


def function_of(scope: Scope, name_or_arn: str) -> LambdaFunction:
    """The function a permission names (name, partial or full ARN)."""
    return lambda_backends[scope.account_id][scope.region_name].get_function(name_or_arn)


@register
class Permission(EmulatedResource):
    """AWS::Lambda::Permission: Ref is the statement id."""

    TYPE = "AWS::Lambda::Permission"

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "Permission":
        for required in ("Action", "FunctionName", "Principal"):
            if not properties.get(required):
                raise ValueError(
                    f"AWS::Lambda::Permission {scope.logical_id}: {required} is required"
                )
        statement_id = f"{scope.stack_name or 'stack'}-{scope.logical_id or 'Permission'}-"
        statement_id += uuid.uuid4().hex[:12]
        statement = {"StatementId": statement_id}
        statement.update({k: properties[k] for k in STATEMENT_PROPERTIES if k in properties})
        function_of(scope, properties["FunctionName"]).policy.add_statement(json.dumps(statement))
        return cls(scope, statement_id, properties)

    def destroy(self) -> None:
        # The function may be gone already: its policy went with it.
        with contextlib.suppress(UnknownPolicyException, UnknownFunctionException):
            function = function_of(self.scope, self.properties["FunctionName"])
            function.policy.del_statement(self.physical_id)
