"""Custom::SecureParameter handler logic, with botocore's Stubber checking each SSM request."""

import pytest
from botocore.stub import Stubber

PARAMETER = "/tapstack/dev/main/database/writer-endpoint"
KEY = "arn:aws:kms:us-east-1:111111111111:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"


@pytest.fixture
def stubbed(handler_module, cfn_responses, lambda_context):
    """(invoke(event) -> response, Stubber on the module's SSM client)."""
    module = handler_module({})
    responses = cfn_responses(module.helper)
    stubber = Stubber(module.ssm)

    def invoke(event: dict) -> dict:
        with stubber:
            module.handler(event, lambda_context)
            stubber.assert_no_pending_responses()
        return responses[-1]

    return invoke, stubber


def test_create_puts_a_secure_string_under_the_key(stubbed, load_event):
    invoke, ssm = stubbed
    event = load_event("create")
    ssm.add_response(
        "put_parameter",
        {"Version": 1, "Tier": "Standard"},
        {
            "Name": PARAMETER,
            "Value": event["ResourceProperties"]["Value"],
            "Type": "SecureString",
            "KeyId": KEY,
            "Overwrite": False,
            "Description": "Writer endpoint of the dev Aurora cluster",
            "Tags": [
                {"Key": "environment", "Value": "dev"},
                {"Key": "project", "Value": "tapstack"},
            ],
        },
    )
    response = invoke(event)
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == PARAMETER
    assert response["Data"] == {"Name": PARAMETER, "Version": "1"}


def test_create_never_adopts_an_existing_parameter(stubbed, load_event):
    invoke, ssm = stubbed
    ssm.add_client_error("put_parameter", "ParameterAlreadyExists", "exists")
    response = invoke(load_event("create"))
    assert response["Status"] == "FAILED"
    assert f"SSM parameter {PARAMETER} already exists" in response["Reason"]
    # AND the Delete CloudFormation sends for the failed resource touches nothing
    delete = load_event("delete")
    delete["PhysicalResourceId"] = response["PhysicalResourceId"]
    assert response["PhysicalResourceId"] != PARAMETER
    assert invoke(delete)["Status"] == "SUCCESS"


def test_update_overwrites_in_place_and_syncs_tags(stubbed, load_event):
    invoke, ssm = stubbed
    event = load_event("update")
    ssm.add_response(
        "put_parameter",
        {"Version": 2},
        {
            "Name": PARAMETER,
            "Value": event["ResourceProperties"]["Value"],
            "Type": "SecureString",
            "KeyId": KEY,
            "Description": "Writer endpoint of the dev Aurora cluster",
            "Overwrite": True,
        },
    )
    ssm.add_response(
        "remove_tags_from_resource",
        {},
        {"ResourceType": "Parameter", "ResourceId": PARAMETER, "TagKeys": ["environment"]},
    )
    ssm.add_response(
        "add_tags_to_resource",
        {},
        {
            "ResourceType": "Parameter",
            "ResourceId": PARAMETER,
            "Tags": [{"Key": "owner", "Value": "platform"}],
        },
    )
    response = invoke(event)
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == PARAMETER
    assert response["Data"]["Version"] == "2"


def test_update_refused_by_kms_fails_and_changes_nothing_else(stubbed, load_event):
    # GIVEN SSM refuses the new key, WHEN CloudFormation sends Update
    invoke, ssm = stubbed
    event = load_event("update")
    event["ResourceProperties"]["KmsKeyId"] = "alias/does-not-exist"
    ssm.add_client_error("put_parameter", "InvalidKeyId", "Invalid KeyId alias/does-not-exist")
    # THEN it fails; the refused call was the only one, so the old value and key stay
    response = invoke(event)
    assert response["Status"] == "FAILED"
    assert "InvalidKeyId" in response["Reason"]
    assert response["PhysicalResourceId"] == PARAMETER


def test_new_name_is_a_replacement(stubbed, load_event):
    invoke, ssm = stubbed
    event = load_event("update")
    event["ResourceProperties"]["Name"] = "/tapstack/dev/main/database/endpoint"
    ssm.add_response(
        "put_parameter",
        {"Version": 1},
        {
            "Name": "/tapstack/dev/main/database/endpoint",
            "Value": event["ResourceProperties"]["Value"],
            "Type": "SecureString",
            "KeyId": KEY,
            "Overwrite": False,
            "Description": "Writer endpoint of the dev Aurora cluster",
            "Tags": [
                {"Key": "owner", "Value": "platform"},
                {"Key": "project", "Value": "tapstack"},
            ],
        },
    )
    response = invoke(event)
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == "/tapstack/dev/main/database/endpoint"


@pytest.mark.parametrize(
    "error",
    [pytest.param(None, id="deleted"), pytest.param("ParameterNotFound", id="already-gone")],
)
def test_delete_succeeds_whether_or_not_the_parameter_is_there(stubbed, load_event, error):
    invoke, ssm = stubbed
    if error:
        ssm.add_client_error("delete_parameter", error, "gone", expected_params={"Name": PARAMETER})
    else:
        ssm.add_response("delete_parameter", {}, {"Name": PARAMETER})
    response = invoke(load_event("delete"))
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == PARAMETER


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param({"Name": ""}, "Name is required (a non-empty string); got ''", id="name"),
        pytest.param(
            {"Value": None}, "Value is required (a non-empty string); got <hidden>", id="value"
        ),
        pytest.param({"KmsKeyId": 7}, "KmsKeyId is required (a non-empty string); got 7", id="key"),
        pytest.param({"Description": ["x"]}, "Description must be a string", id="description"),
        pytest.param({"Tags": {"a": "b"}}, "Tags must be a list of {Key, Value}", id="tags"),
    ],
)
def test_bad_properties_fail_naming_the_property(stubbed, load_event, change, reason):
    invoke, _ = stubbed
    event = load_event("create")
    event["ResourceProperties"].update(change)
    response = invoke(event)
    assert response["Status"] == "FAILED"
    assert reason in response["Reason"]


def test_value_is_never_logged(stubbed, load_event, capsys, caplog):
    invoke, ssm = stubbed
    event = load_event("create")
    ssm.add_response("put_parameter", {"Version": 1})
    caplog.set_level("DEBUG")
    invoke(event)
    captured = capsys.readouterr()
    logged = captured.out + captured.err + caplog.text
    assert "SecureParameter" in logged or PARAMETER in logged  # the log did record the request
    assert event["ResourceProperties"]["Value"] not in logged
