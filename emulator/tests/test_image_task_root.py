"""An image function runs from a task root built from its command's package (its files beside
its modules, RDS trust bundles extended with the emulator's CA), and a function in a VPC sees
each local cluster endpoint at an address in the cluster's subnets, where connections reach the
local server."""

import hashlib
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


def test_a_private_zone_name_resolves_through_the_vpcs_resolver(stacks, client):
    # GIVEN a private hosted zone of the function's VPC whose CNAME names the cluster endpoint
    name = unique("probe")
    stacks.create(repository_template(name, 20, True))
    template = _probe_template(_pushed_image(client, name, "z"))
    zone = f"{unique('zone')}.internal"
    template["Resources"]["Zone"] = {
        "Type": "AWS::Route53::HostedZone",
        "Properties": {
            "Name": zone,
            "VPCs": [{"VPCId": {"Ref": "Vpc"}, "VPCRegion": "us-east-1"}],
        },
    }
    template["Resources"]["Writer"] = {
        "Type": "AWS::Route53::RecordSet",
        "Properties": {
            "HostedZoneId": {"Ref": "Zone"},
            "Name": f"writer.{zone}",
            "Type": "CNAME",
            "TTL": "60",
            "ResourceRecords": [{"Fn::GetAtt": ["Cluster", "Endpoint.Address"]}],
        },
    }
    stack = stacks.create(template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = stacks.outputs(stack["StackName"])
    # WHEN the function resolves the private name and connects to it
    event = {"host": f"writer.{zone}", "port": int(outputs["Port"])}
    answer = client("lambda").invoke(FunctionName=outputs["Name"], Payload=json.dumps(event))
    result = json.loads(answer["Payload"].read())
    # THEN it got the cluster's VPC address, and the connection reached the server
    assert "FunctionError" not in answer, result
    (address,) = result["addresses"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network("10.91.0.0/24")
    assert result["greeting_bytes"] > 0


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


def _push_with_command(client, repository: str, command: list[str], env=()) -> str:
    """An image whose config blob (uploaded, as `docker push` does) says CMD `command` and
    ENV `env`; its URI by digest. No ImageConfig.Command is needed to run it."""
    ecr = client("ecr")
    config = json.dumps({"os": "linux", "config": {"Cmd": command, "Env": list(env)}}).encode()
    upload = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
    ecr.upload_layer_part(
        repositoryName=repository,
        uploadId=upload,
        partFirstByte=0,
        partLastByte=len(config) - 1,
        layerPartBlob=config,
    )
    digest = "sha256:" + hashlib.sha256(config).hexdigest()
    ecr.complete_layer_upload(repositoryName=repository, uploadId=upload, layerDigests=[digest])
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": len(config),
            "digest": digest,
        },
        "layers": [],
    }
    pushed = ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest))
    return (
        f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}"
        f"@{pushed['image']['imageId']['imageDigest']}"
    )


def test_an_image_without_a_command_override_runs_its_own_cmd(stacks, client):
    # GIVEN an image function that sets no ImageConfig.Command; the image's CMD names a handler
    name = unique("cmd")
    stacks.create(repository_template(name, 20, True))
    stack = stacks.create(
        function_template(_push_with_command(client, name, ["echo_identity.handler"]))
    )
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    function = stacks.outputs(stack["StackName"])["Name"]
    # WHEN it is invoked THEN the image's CMD ran
    answer = client("lambda").invoke(FunctionName=function, Payload=b'{"via": "cmd"}')
    result = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, result
    assert result["event"] == {"via": "cmd"}


def test_the_images_env_applies_under_the_functions_own_variables(stacks, client):
    # GIVEN an image whose ENV sets two variables, one of which the function also sets
    name = unique("env")
    stacks.create(repository_template(name, 20, True))
    env = ["FROM_IMAGE=/var/task/bundle.pem", "BOTH=image"]
    template = function_template(_push_with_command(client, name, ["env_probe.handler"], env))
    template["Resources"]["Function"]["Properties"]["Environment"] = {"Variables": {"BOTH": "fn"}}
    stack = stacks.create(template)
    function = stacks.outputs(stack["StackName"])["Name"]
    # WHEN it reads them
    payload = json.dumps({"names": ["FROM_IMAGE", "BOTH"]})
    answer = client("lambda").invoke(FunctionName=function, Payload=payload)
    result = json.loads(answer["Payload"].read())
    # THEN the image's value applies (its /var/task is the local task root), the function's wins
    assert result["BOTH"] == "fn"
    assert (
        result["FROM_IMAGE"].endswith("/bundle.pem") and "image-env_probe-" in result["FROM_IMAGE"]
    )


def test_a_custom_resource_backed_by_an_image_function_runs_it(stacks, client):
    # GIVEN a custom resource whose ServiceToken is an image function (CMD from the image)
    name = unique("cr")
    stacks.create(repository_template(name, 20, True))
    uri = _push_with_command(client, name, ["parameter_resource.handler"])
    template = function_template(uri)
    parameter = f"/test/{unique('image')}"
    template["Resources"]["Function"]["Properties"]["Timeout"] = 30
    template["Resources"]["Key"] = {"Type": "AWS::KMS::Key", "Properties": {"Description": "p"}}
    template["Resources"]["Parameter"] = {
        "Type": "Custom::SecureParameter",
        "Properties": {
            "ServiceToken": {"Fn::GetAtt": ["Function", "Arn"]},
            "Name": parameter,
            "Value": "from an image",
            "KeyId": {"Fn::GetAtt": ["Key", "Arn"]},
        },
    }
    # WHEN the stack is created THEN the function ran and made the parameter
    stack = stacks.create(template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    value = client("ssm").get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
    assert value == "from an image"
