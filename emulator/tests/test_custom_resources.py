"""AWS::Lambda::Function from an S3 zip and a Custom:: resource run by its real handler."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from stack_helpers import service_trust, unique

HANDLER_SOURCE = Path(__file__).with_name("lambdas") / "parameter_resource.py"
TRUST = service_trust("lambda.amazonaws.com")


def handler_zip() -> bytes:
    """The test function's package: one module at the zip root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(HANDLER_SOURCE, "parameter_resource.py")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def package(client) -> dict[str, str]:
    """The zip uploaded to a bucket, as !upload_lambda_package does."""
    bucket = unique("code")
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="lambda/parameter.zip", Body=handler_zip())
    return {"S3Bucket": bucket, "S3Key": "lambda/parameter.zip"}


def template(package: dict[str, str], name: str, value: str, fail: bool = False) -> dict:
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "parameters"}},
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": TRUST},
            },
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "parameter_resource.handler",
                    "Code": package,
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Timeout": 30,
                    "KmsKeyArn": {"Fn::GetAtt": ["Key", "Arn"]},
                    "ReservedConcurrentExecutions": 2,
                    "Environment": {"Variables": {"STAGE": "test"}},
                    "LoggingConfig": {"LogGroup": "/tapstack/test/functions"},
                },
            },
            "Parameter": {
                "Type": "Custom::SecureParameter",
                "Properties": {
                    "ServiceToken": {"Fn::GetAtt": ["Function", "Arn"]},
                    "Name": name,
                    "Value": value,
                    "KeyId": {"Fn::GetAtt": ["Key", "Arn"]},
                    "Fail": fail,
                },
            },
        },
        "Outputs": {
            "Name": {"Value": {"Ref": "Parameter"}},
            "Echo": {"Value": {"Fn::GetAtt": ["Parameter", "Echo"]}},
            "Account": {"Value": {"Fn::GetAtt": ["Parameter", "Account"]}},
            "Function": {"Value": {"Ref": "Function"}},
        },
    }


def test_function_and_custom_resource_lifecycle(stacks, client, package):
    # GIVEN a stack with a function from S3 and a custom resource it backs
    first, second = f"/test/{unique('a')}", f"/test/{unique('b')}"
    stack = stacks.create(template(package, first, "one"))
    name = stack["StackName"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")

    # THEN the handler ran with the function's account and wrote the parameter under the key
    outputs = stacks.outputs(name)
    assert outputs["Name"] == first
    assert (outputs["Echo"], outputs["Account"]) == ("one", "123456789012")
    ssm = client("ssm")
    parameter = ssm.get_parameter(Name=first, WithDecryption=True)["Parameter"]
    assert (parameter["Type"], parameter["Value"]) == ("SecureString", "one")
    configuration = client("lambda").get_function(FunctionName=outputs["Function"])
    config = configuration["Configuration"]
    assert config["KMSKeyArn"].startswith("arn:aws:kms:")
    assert config["LoggingConfig"]["LogGroup"] == "/tapstack/test/functions"
    assert config["Environment"]["Variables"] == {"STAGE": "test"}
    assert configuration["Concurrency"]["ReservedConcurrentExecutions"] == 2

    # WHEN the Name changes (a new physical id) THEN the old parameter is deleted after update
    updated = stacks.update(name, template(package, second, "two"))
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    assert stacks.outputs(name)["Echo"] == "two"
    assert ssm.get_parameter(Name=second, WithDecryption=True)["Parameter"]["Value"] == "two"
    with pytest.raises(ClientError, match="ParameterNotFound"):
        ssm.get_parameter(Name=first)

    # WHEN the handler answers FAILED THEN the update rolls back with its reason
    failed = stacks.update(name, template(package, second, "three", fail=True))
    assert failed["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "asked to fail" in failed["StackStatusReason"]
    assert ssm.get_parameter(Name=second, WithDecryption=True)["Parameter"]["Value"] == "two"

    # WHEN the stack is deleted THEN Delete ran
    assert stacks.delete(name) == "DELETE_COMPLETE"
    with pytest.raises(ClientError, match="ParameterNotFound"):
        ssm.get_parameter(Name=second)


def test_failed_create_rolls_back_with_the_handler_reason(stacks, package):
    stack = stacks.create(template(package, f"/test/{unique('c')}", "x", fail=True))
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "Received response status [FAILED]" in stack["StackStatusReason"]
    assert "asked to fail" in stack["StackStatusReason"]


def test_invoke_api_runs_the_handler_without_docker(stacks, client, package):
    stack = stacks.create(template(package, f"/test/{unique('d')}", "y"))
    function = stacks.outputs(stack["StackName"])["Function"]
    response = client("lambda").invoke(FunctionName=function, Payload=json.dumps({}))
    assert response["FunctionError"] == "Handled"  # the test handler needs a CloudFormation event
    assert json.loads(response["Payload"].read())["errorType"] == "KeyError"
    assert stacks.delete(stack["StackName"]) == "DELETE_COMPLETE"


def test_secure_string_with_unknown_key_fails_like_aws(client):
    ssm = client("ssm")
    with pytest.raises(ClientError) as raised:
        ssm.put_parameter(
            Name=f"/test/{unique('k')}",
            Value="v",
            Type="SecureString",
            KeyId="arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000",
        )
    assert raised.value.response["Error"]["Code"] == "InvalidKeyId"
