"""A tiny handler: the values of the environment variables the event names."""

import os


def handler(event, context):
    return {name: os.environ.get(name) for name in event["names"]}
