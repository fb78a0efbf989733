"""An image function runs from a task root built from its command's package (its files beside
its modules, RDS trust bundles extended with the emulator's CA), and a function in a VPC sees
each local cluster endpoint at an address in the cluster's subnets, where connections reach the
local server."""

import ipaddress
import json
import urllib.request

from stack_helpers import unique
from test_compute_models import function_template, manifest, repository_template
from test_database_models import template as database_template

PROBE = "vpc_probe.handler.handler"


def _pushed_image(client, name: str, layer: str) -> str:
    """A new repository holding one image: its URI by digest."""
    pushed = client("ecr").put_image(repositoryName=name, imageManifest=manifest(layer))
    digest = pushed["image"]["imageId"]["imageDigest"]
    return f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}@{digest}"


def _probe_template(image_uri: str) -> dict:
    """The database stack's VPC, subnet and cluster, plus an image function in that subnet."""
    database = database_template(unique("probe").replace("-", "_"), unique("u").replace("-", "_"))
    function = function_template(image_uri)
    resources = {**database["Resources"], **function["Resources"]}
    resources["FunctionGroup"] = {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {"GroupDescription": "probe", "VpcId": {"Ref": "Vpc"}},
    }
    resources["Function"]["Properties"]["ImageConfig"] = {"Command": [PROBE]}
    resources["Function"]["Properties"]["VpcConfig"] = {
        "SubnetIds": [{"Ref": "SubnetA"}],
        "SecurityGroupIds": [{"Ref": "FunctionGroup"}],
    }
    return {"Resources": resources, "Outputs": {**database["Outputs"], **function["Outputs"]}}


def _emulator_ca(endpoint: str) -> str:
    with urllib.request.urlopen(endpoint + "/tapstack-emulator/health") as response:  # noqa: S310
        path = json.loads(response.read())["ca_bundle"]
    with open(path, encoding="utf-8") as bundle:
        return bundle.read()


def test_image_task_root_and_vpc_addresses(stacks, client, endpoint):
    name = unique("probe")
    stacks.create(repository_template(name, 20, True))
    uri = _pushed_image(client, name, "p")
    stack = stacks.create(_probe_template(uri))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = stacks.outputs(stack["StackName"])
    event = {"host": outputs["Address"], "port": int(outputs["Port"])}

    answer = client("lambda").invoke(FunctionName=outputs["Name"], Payload=json.dumps(event))

    result = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, result
    # the package's bundle, extended with the emulator's CA (which signs the local clusters)
    assert result["bundle"].startswith("# stands for AWS's RDS trust bundle")
    assert result["bundle"].rstrip().endswith(_emulator_ca(endpoint).rstrip())
    # the endpoint resolves into the cluster's subnet (10.91.0.0/24), and connects there
    assert event["host"] == "127.0.0.1"
    (address,) = result["addresses"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network("10.91.0.0/24")
    assert result["greeting_bytes"] > 0  # MariaDB's handshake packet


def test_a_function_outside_any_vpc_sees_the_local_address(stacks, client):
    # GIVEN the same probe without a VpcConfig
    name = unique("probe")
    stacks.create(repository_template(name, 20, True))
    uri = _pushed_image(client, name, "q")
    template = _probe_template(uri)
    del template["Resources"]["Function"]["Properties"]["VpcConfig"]
    stack = stacks.create(template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = stacks.outputs(stack["StackName"])
    event = {"host": outputs["Address"], "port": int(outputs["Port"])}
    # WHEN it resolves the endpoint THEN it gets the local address itself
    answer = client("lambda").invoke(FunctionName=outputs["Name"], Payload=json.dumps(event))
    result = json.loads(answer["Payload"].read())
    assert result["addresses"] == ["127.0.0.1"], result
