"""AWS::Lambda::Permission: added to the function's policy, removed on update and delete."""

import json

import pytest
from botocore.exceptions import ClientError
from stack_helpers import unique
from test_custom_resources import TRUST, package  # noqa: F401 - the module's zip fixture


def template(package: dict[str, str], with_permission: bool) -> dict:  # noqa: F811
    resources = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "parameter_resource.handler",
                "Code": package,
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            },
        },
    }
    if with_permission:
        resources["SecretsManagerInvoke"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Fn::GetAtt": ["Function", "Arn"]},
                "Principal": "secretsmanager.amazonaws.com",
                "SourceAccount": {"Ref": "AWS::AccountId"},
            },
        }
    return {"Resources": resources, "Outputs": {"Function": {"Value": {"Ref": "Function"}}}}


def policy_statements(client, function: str) -> list[dict]:
    policy = client("lambda").get_policy(FunctionName=function)["Policy"]
    return json.loads(policy)["Statement"]


def test_permission_is_added_removed_and_deleted_with_the_stack(stacks, client, package):  # noqa: F811
    stack = stacks.create(template(package, True), name=unique("permission"))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    function = stacks.outputs(stack["StackName"])["Function"]
    (statement,) = policy_statements(client, function)
    assert statement["Principal"] == {"Service": "secretsmanager.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Sid"] == stacks.physical_ids(stack["StackName"])["SecretsManagerInvoke"]

    updated = stacks.update(stack["StackName"], template(package, False))
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    with pytest.raises(ClientError, match="ResourceNotFound"):
        policy_statements(client, function)

    stacks.update(stack["StackName"], template(package, True))
    assert stacks.delete(stack["StackName"]) == "DELETE_COMPLETE"
