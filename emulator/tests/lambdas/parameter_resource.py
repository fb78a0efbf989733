"""A tiny custom-resource handler (no crhelper): an SSM SecureString named by the properties.

It answers CloudFormation on the HTTPS ResponseURL as cfn-response does, and reports the
account its credentials belong to, so tests see whose role it ran with.
"""

import json
import urllib.request

import boto3


def _respond(event, status, physical_id, data=None, reason=""):
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data or {},
        }
    ).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT")  # noqa: S310 - https ResponseURL
    request.add_header("Content-Type", "")
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


def handler(event, context):
    properties = event["ResourceProperties"]
    name = properties["Name"]
    ssm = boto3.client("ssm")
    try:
        if event["RequestType"] == "Delete":
            ssm.delete_parameter(Name=event["PhysicalResourceId"])
            _respond(event, "SUCCESS", event["PhysicalResourceId"])
            return
        if properties.get("Fail") == "true":
            raise ValueError(f"asked to fail ({context.function_name})")
        ssm.put_parameter(
            Name=name,
            Value=properties["Value"],
            Type="SecureString",
            KeyId=properties["KeyId"],
            Overwrite=True,
        )
        account = boto3.client("sts").get_caller_identity()["Account"]
        _respond(event, "SUCCESS", name, {"Echo": properties["Value"], "Account": account})
    except Exception as err:
        _respond(event, "FAILED", event.get("PhysicalResourceId", name), reason=str(err))
