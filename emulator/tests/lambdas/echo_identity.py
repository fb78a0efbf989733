"""A tiny handler: echoes its event, its function name and the identity it runs as."""

import boto3


def handler(event, context):
    caller = boto3.client("sts").get_caller_identity()["Arn"]
    return {"event": event, "function": context.function_name, "caller": caller}
