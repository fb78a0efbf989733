"""Deploy small templates on the emulator and read back what CloudFormation reports."""

import json
import uuid
from typing import Any


def service_trust(service: str) -> dict[str, Any]:
    """An AssumeRolePolicyDocument letting one AWS service (e.g. lambda.amazonaws.com) assume."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }


def unique(prefix: str) -> str:
    """A name no other test uses (the server is shared by the session)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Stacks:
    """Create, update and read stacks of one CloudFormation client."""

    def __init__(self, cloudformation: Any) -> None:
        self.cloudformation = cloudformation

    def create(
        self,
        template: dict[str, Any],
        parameters: dict[str, str] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """CreateStack and return DescribeStacks' answer for it."""
        name = name or unique("stack")
        self.cloudformation.create_stack(
            StackName=name,
            TemplateBody=json.dumps(template),
            Parameters=_parameters(parameters),
            **kwargs,
        )
        return self.describe(name)

    def update(
        self,
        name: str,
        template: dict[str, Any],
        parameters: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """UpdateStack and return DescribeStacks' answer for it."""
        self.cloudformation.update_stack(
            StackName=name,
            TemplateBody=json.dumps(template),
            Parameters=_parameters(parameters),
            **kwargs,
        )
        return self.describe(name)

    def describe(self, name: str) -> dict[str, Any]:
        """DescribeStacks for one stack."""
        return self.cloudformation.describe_stacks(StackName=name)["Stacks"][0]

    def physical_ids(self, name: str) -> dict[str, str]:
        """Logical id -> physical id of every resource of the stack."""
        resources = self.cloudformation.describe_stack_resources(StackName=name)["StackResources"]
        return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}

    def outputs(self, name: str) -> dict[str, str]:
        """Output key -> value."""
        return {o["OutputKey"]: o["OutputValue"] for o in self.describe(name).get("Outputs", [])}

    def events(self, name: str) -> list[tuple[str, str, str]]:
        """(logical id, status, reason) of every event, oldest first."""
        events = self.cloudformation.describe_stack_events(StackName=name)["StackEvents"]
        return [
            (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
            for e in reversed(events)
        ]

    def delete(self, name: str) -> str:
        """DeleteStack; the status the stack ends in."""
        stack_id = self.describe(name)["StackId"]
        self.cloudformation.delete_stack(StackName=name)
        return self.cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]


def _parameters(parameters: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()]
