"""A tiny handler that assumes the role named in the event and calls STS with the new
credentials, as the sync does to read a target account's secret."""

import boto3


def handler(event, context):
    credentials = boto3.client("sts").assume_role(
        RoleArn=event["role"], RoleSessionName="assume-and-call"
    )["Credentials"]
    assumed = boto3.client(
        "sts",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return {"arn": assumed.get_caller_identity()["Arn"]}
