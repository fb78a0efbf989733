"""Custom::SecureParameter on the local AWS: the parameter really is a SecureString under the
key it names, through create, update, rename and delete."""

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def on_local_aws(local_aws, handler_module, cfn_responses, lambda_context):
    """(invoke(event) -> response, SSM client, two KMS key ARNs) on the local AWS."""
    module = handler_module(local_aws.env())
    responses = cfn_responses(module.helper)
    kms = local_aws.client("kms")
    keys = [kms.create_key(Description=f"test key {n}")["KeyMetadata"]["Arn"] for n in (1, 2)]

    def invoke(event: dict) -> dict:
        module.handler(event, lambda_context)
        return responses[-1]

    return invoke, local_aws.client("ssm"), keys


def described(ssm, name: str) -> dict:
    found = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])
    (parameter,) = found["Parameters"]
    return parameter


def test_create_update_rename_delete(on_local_aws, load_event, request):
    invoke, ssm, (first_key, second_key) = on_local_aws
    name = f"/tapstack/test/{request.node.name}"
    # GIVEN a Create for a parameter under the first key
    create = load_event("create")
    create["ResourceProperties"].update(Name=name, KmsKeyId=first_key)
    # WHEN it runs THEN the parameter is a SecureString under that key, with its tags
    assert invoke(create)["PhysicalResourceId"] == name
    assert described(ssm, name)["Type"] == "SecureString"
    assert described(ssm, name)["KeyId"] == first_key
    value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    assert value == create["ResourceProperties"]["Value"]
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    assert {t["Key"]: t["Value"] for t in tags} == {"project": "tapstack", "environment": "dev"}

    # WHEN an Update changes value, key and tags THEN the same parameter has them
    update = load_event("update")
    update["PhysicalResourceId"] = name
    update["OldResourceProperties"] = create["ResourceProperties"]
    update["ResourceProperties"].update(Name=name, KmsKeyId=second_key)
    response = invoke(update)
    assert (response["Status"], response["PhysicalResourceId"]) == ("SUCCESS", name)
    assert described(ssm, name)["KeyId"] == second_key
    value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    assert value == update["ResourceProperties"]["Value"]
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    assert {t["Key"]: t["Value"] for t in tags} == {"project": "tapstack", "owner": "platform"}

    # WHEN the Name changes THEN a new parameter exists beside the old (CloudFormation deletes
    # the old one next, with a Delete for the old physical id)
    renamed = load_event("update")
    renamed["PhysicalResourceId"] = name
    renamed["ResourceProperties"].update(Name=name + "-renamed", KmsKeyId=second_key)
    assert invoke(renamed)["PhysicalResourceId"] == name + "-renamed"
    delete_old = load_event("delete")
    delete_old["PhysicalResourceId"] = name
    delete_old["ResourceProperties"] = update["ResourceProperties"]
    assert invoke(delete_old)["Status"] == "SUCCESS"
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name=name)
    assert described(ssm, name + "-renamed")["KeyId"] == second_key

    # WHEN Delete comes twice THEN both succeed and the parameter is gone
    delete = load_event("delete")
    delete["PhysicalResourceId"] = name + "-renamed"
    delete["ResourceProperties"] = renamed["ResourceProperties"]
    assert invoke(delete)["Status"] == "SUCCESS"
    assert invoke(delete)["Status"] == "SUCCESS"
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name=name + "-renamed")
