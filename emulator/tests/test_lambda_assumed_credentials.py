"""A function that assumes another role and calls AWS with those credentials is served while
its Invoke holds the server lock (the credentials it obtains are lent with its own)."""

import io
import json
import zipfile
from pathlib import Path

from stack_helpers import unique

HANDLER_SOURCE = Path(__file__).with_name("lambdas") / "assume_and_call.py"


def trust(principal: dict) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
    }


def test_credentials_a_function_obtains_are_served_during_its_invocation(stacks, client):
    bucket = unique("code")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(HANDLER_SOURCE, "assume_and_call.py")
    client("s3").create_bucket(Bucket=bucket)
    client("s3").put_object(Bucket=bucket, Key="f.zip", Body=buffer.getvalue())
    name = unique("assumer")
    template = {
        "Resources": {
            "FunctionRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": trust({"Service": "lambda.amazonaws.com"})
                },
            },
            "TargetRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": name,
                    "AssumeRolePolicyDocument": trust({"AWS": "arn:aws:iam::123456789012:root"}),
                },
            },
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "assume_and_call.handler",
                    "Code": {"S3Bucket": bucket, "S3Key": "f.zip"},
                    "Role": {"Fn::GetAtt": ["FunctionRole", "Arn"]},
                    "Timeout": 20,
                },
            },
        },
        "Outputs": {
            "Function": {"Value": {"Ref": "Function"}},
            "TargetRoleArn": {"Value": {"Fn::GetAtt": ["TargetRole", "Arn"]}},
        },
    }
    stack = stacks.create(template, name=name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = stacks.outputs(name)

    response = client("lambda").invoke(
        FunctionName=outputs["Function"],
        Payload=json.dumps({"role": outputs["TargetRoleArn"]}),
    )

    payload = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, payload
    assert payload["arn"].startswith(f"arn:aws:sts::123456789012:assumed-role/{name}/")
