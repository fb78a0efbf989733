"""Custom resources (`Custom::*`, AWS::CloudFormation::CustomResource) run by their Lambda.

moto sends the request to a Docker container in a thread and never waits. Here Create, Update
and Delete run the ServiceToken function's real handler (lambda_runtime.invoke) with
CloudFormation's request event and wait for its answer on the ResponseURL: SUCCESS gives the
physical id (Ref) and Data (GetAtt); FAILED fails the resource with the handler's Reason, so
the stack rolls back. An Update that returns a new physical id is a replacement: the old
resource's Delete is sent in the update's cleanup phase.
"""

import uuid
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.awslambda.utils import get_backend

from tapstack_emulator import stack_cleanup
from tapstack_emulator.lambda_runtime import responses
from tapstack_emulator.lambda_runtime.invoke import InvocationError, run
from tapstack_emulator.models.base import EmulatedResource, Scope
from tapstack_emulator.registry import register


class CustomResourceFailedError(RuntimeError):
    """The handler answered FAILED, or did not answer."""


def as_cloudformation_sends(value: Any) -> Any:
    """CloudFormation passes every scalar property to the handler as a string."""
    if isinstance(value, dict):
        return {key: as_cloudformation_sends(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_cloudformation_sends(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if value is None else str(value)


def _function(service_token: str) -> LambdaFunction:
    parts = service_token.split(":")
    if len(parts) < 7 or parts[2] != "lambda":
        raise CustomResourceFailedError(
            f"the local AWS runs custom resources through Lambda functions only; "
            f"ServiceToken {service_token!r} is not a Lambda function ARN"
        )
    region, account = parts[3], parts[4]
    try:
        return get_backend(account, region).get_function(service_token)
    except Exception as err:
        raise CustomResourceFailedError(
            f"ServiceToken function not found: {service_token}"
        ) from err


@register
class CustomResource(EmulatedResource):
    """A custom resource: Ref is the physical id its handler returned; GetAtt any Data key."""

    TYPE = "AWS::CloudFormation::CustomResource"

    def __init__(
        self,
        scope: Scope,
        physical_id: str,
        properties: dict[str, Any],
        resource_type: str = TYPE,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, physical_id, properties)
        self.resource_type = resource_type
        self.data = data or {}

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True  # whatever the handler puts in Data

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.data:
            raise KeyError(
                f"CustomResource attribute error: Vendor response doesn't contain "
                f"{attribute_name} key in object {self.scope.stack_id}|{self.scope.logical_id}"
            )
        return self.data[attribute_name]

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "CustomResource":
        scope = Scope(account_id, region_name, kwargs["LogicalId"], kwargs["StackId"])
        properties = cloudformation_json.get("Properties") or {}
        resource_type = kwargs.get("ResourceType", cls.TYPE)
        answer = _request(scope, resource_type, "Create", properties)
        return cls(scope, answer["PhysicalResourceId"], properties, resource_type, answer["Data"])

    @classmethod
    def create(cls, scope: Scope, name: str, properties: dict[str, Any]) -> "CustomResource":
        answer = _request(scope, cls.TYPE, "Create", properties)
        return cls(scope, answer["PhysicalResourceId"], properties, cls.TYPE, answer["Data"])

    def update(self, properties: dict[str, Any], new_name: str) -> "CustomResource":
        if properties == self.properties:
            return self
        if properties.get("ServiceToken") != self.properties.get("ServiceToken"):
            raise CustomResourceFailedError("Modifying service token is not allowed.")
        answer = _request(
            self.scope, self.resource_type, "Update", properties, self.physical_id, self.properties
        )
        updated = type(self)(
            self.scope, answer["PhysicalResourceId"], properties, self.resource_type, answer["Data"]
        )
        if updated.physical_id != self.physical_id:
            stack_cleanup.defer(self.scope.stack_id, self.destroy)
        return updated

    def destroy(self) -> None:
        _request(self.scope, self.resource_type, "Delete", self.properties, self.physical_id)


def _request(
    scope: Scope,
    resource_type: str,
    request_type: str,
    properties: dict[str, Any],
    physical_id: str | None = None,
    old_properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Send one request to the handler; its SUCCESS answer, or raise with its Reason."""
    service_token = properties.get("ServiceToken")
    if not isinstance(service_token, str) or not service_token:
        raise CustomResourceFailedError("ServiceToken is required for a custom resource")
    function = _function(service_token)
    request_id = str(uuid.uuid4())
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": service_token,
        "ResponseURL": responses.url_for(request_id),
        "StackId": scope.stack_id,
        "RequestId": request_id,
        "LogicalResourceId": scope.logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": as_cloudformation_sends(properties),
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old_properties is not None:
        event["OldResourceProperties"] = as_cloudformation_sends(old_properties)
    try:
        invocation = run(function, event)
    except InvocationError as err:
        raise CustomResourceFailedError(
            f"the custom resource's function cannot run: {err}"
        ) from None
    answer = responses.take(request_id)
    if answer is None:
        detail = invocation.error or "it returned without a response"
        raise CustomResourceFailedError(
            f"the custom resource's function {function.function_name} did not respond to "
            f"CloudFormation: {detail}. Its log ends:\n{invocation.log_tail()}"
        )
    if answer.get("Status") != "SUCCESS":
        raise CustomResourceFailedError(
            "Received response status [FAILED] from custom resource. Message returned: "
            f"{answer.get('Reason', '')} (RequestId: {request_id})"
        )
    if not answer.get("PhysicalResourceId"):
        raise CustomResourceFailedError(
            f"the custom resource's response has no PhysicalResourceId (RequestId: {request_id})"
        )
    return {"PhysicalResourceId": answer["PhysicalResourceId"], "Data": answer.get("Data") or {}}
