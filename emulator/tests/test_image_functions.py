"""A container-image function whose ImageConfig.Command names its handler runs with the
interpreter TAPSTACK_EMULATOR_IMAGE_PYTHON names (the session's server sets it to a wrapper
that puts emulator/tests/lambdas on the path)."""

import json

from stack_helpers import unique
from test_compute_models import function_template, manifest, repository_template


def test_image_function_with_a_command_runs_with_the_configured_interpreter(stacks, client):
    name = unique("runner")
    stacks.create(repository_template(name, 20, True))
    pushed = client("ecr").put_image(
        repositoryName=name, imageManifest=manifest("a"), imageTag="v1"
    )
    digest = pushed["image"]["imageId"]["imageDigest"]
    uri = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}@{digest}"
    template = function_template(uri)
    template["Resources"]["Function"]["Properties"]["ImageConfig"] = {
        "Command": ["echo_identity.handler"]
    }
    stack = stacks.create(template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    function = stacks.outputs(stack["StackName"])["Name"]

    answer = client("lambda").invoke(FunctionName=function, Payload=b'{"hello": "image"}')

    result = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, result
    assert result["event"] == {"hello": "image"}
    assert result["function"] == function
    assert ":assumed-role/" in result["caller"]  # the function's role, as for a zip
