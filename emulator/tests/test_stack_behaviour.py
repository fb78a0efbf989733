"""CloudFormation behaviours moto lacks: no-op updates, rollback, events, clear errors."""

import json

import pytest
from botocore.exceptions import ClientError
from stack_helpers import unique

PARAMETERS = {
    "Env": {"Type": "String", "AllowedValues": ["dev", "prod"]},
    "Days": {"Type": "Number", "Default": 30},
}


def bucket_stack(bucket: str) -> dict:
    return {
        "Parameters": PARAMETERS,
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
        "Resources": {
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": bucket,
                    "Tags": [{"Key": "Env", "Value": {"Fn::Sub": "${Env}"}}],
                    "LifecycleConfiguration": {
                        "Rules": [
                            {
                                "Id": "expire",
                                "Status": "Enabled",
                                "ExpirationInDays": {"Fn::If": ["IsProd", 365, {"Ref": "Days"}]},
                            }
                        ]
                    },
                },
            }
        },
        "Outputs": {
            "Name": {
                "Value": {"Ref": "Bucket"},
                "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-Name"}},
            }
        },
    }


BAD_SUBNET = {
    "Type": "AWS::EC2::Subnet",
    "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "192.168.0.0/24"},  # outside the VPC
}
VPC = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.77.0.0/16"}}


def test_update_with_identical_template_parameters_and_tags_is_refused(stacks):
    bucket = unique("noop")
    template = bucket_stack(bucket)
    stack = stacks.create(template, {"Env": "dev"}, Tags=[{"Key": "Owner", "Value": "me"}])
    with pytest.raises(ClientError) as raised:
        stacks.update(
            stack["StackName"], template, {"Env": "dev"}, Tags=[{"Key": "Owner", "Value": "me"}]
        )
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ValidationError",
        "No updates are to be performed.",
    )
    assert stacks.describe(stack["StackName"])["StackStatus"] == "CREATE_COMPLETE"


@pytest.mark.parametrize(
    ("parameters", "tags"),
    [
        pytest.param({"Env": "dev", "Days": "31"}, "me", id="changed parameter"),
        pytest.param({"Env": "dev"}, "you", id="changed tag"),
    ],
)
def test_update_with_any_change_is_performed(stacks, client, parameters, tags):
    bucket = unique("change")
    template = bucket_stack(bucket)
    stack = stacks.create(template, {"Env": "dev"}, Tags=[{"Key": "Owner", "Value": "me"}])
    updated = stacks.update(
        stack["StackName"], template, parameters, Tags=[{"Key": "Owner", "Value": tags}]
    )
    assert updated["StackStatus"] == "UPDATE_COMPLETE"
    assert updated["Tags"] == [{"Key": "Owner", "Value": tags}]
    (rule,) = client("s3").get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Expiration"]["Days"] == int(parameters.get("Days", 30))


def test_parameter_used_only_through_sub_updates_the_resource(stacks, client):
    bucket = unique("sub")
    stack = stacks.create(bucket_stack(bucket), {"Env": "dev"})
    stacks.update(stack["StackName"], bucket_stack(bucket), {"Env": "prod"})
    assert {"Key": "Env", "Value": "prod"} in client("s3").get_bucket_tagging(Bucket=bucket)[
        "TagSet"
    ]


def test_describe_stacks_reports_parameters_with_defaults_tags_and_exports(stacks):
    bucket = unique("describe")
    stack = stacks.create(
        bucket_stack(bucket), {"Env": "dev"}, Tags=[{"Key": "Owner", "Value": "me"}]
    )
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters == {"Env": "dev", "Days": "30"}
    assert stack["Tags"] == [{"Key": "Owner", "Value": "me"}]
    assert stack["NotificationARNs"] == []
    (output,) = stack["Outputs"]
    assert (output["OutputValue"], output["ExportName"]) == (bucket, f"{stack['StackName']}-Name")


def test_get_template_returns_the_body_as_submitted(stacks):
    name = unique("template")
    body = "# a comment\nResources:\n  Topic:   {Type: 'AWS::SNS::Topic'}\n"
    stacks.cloudformation.create_stack(StackName=name, TemplateBody=body)
    assert stacks.cloudformation.get_template(StackName=name)["TemplateBody"] == body


def test_failed_create_rolls_back_with_the_reason(stacks, client):
    stack = stacks.create({"Resources": {"Vpc": VPC, "Subnet": BAD_SUBNET}})
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "Subnet" in stack["StackStatusReason"]
    assert "Outputs" not in stack
    events = stacks.events(stack["StackName"])
    failed = [e for e in events if e[1] == "CREATE_FAILED"]
    assert failed[0][0] == "Subnet" and "192.168.0.0/24" in failed[0][2]
    assert ("Vpc", "DELETE_COMPLETE", "") in events
    assert events[-1][1] == "ROLLBACK_COMPLETE"
    vpcs = client("ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.77.0.0/16"]}])[
        "Vpcs"
    ]
    assert vpcs == []


@pytest.mark.parametrize(
    ("options", "status"),
    [
        pytest.param({"OnFailure": "DO_NOTHING"}, "CREATE_FAILED", id="DO_NOTHING"),
        pytest.param({"DisableRollback": True}, "CREATE_FAILED", id="DisableRollback"),
        pytest.param({"OnFailure": "DELETE"}, "DELETE_COMPLETE", id="DELETE"),
    ],
)
def test_on_failure_options(stacks, options, status):
    name = unique("onfailure")
    stack_id = stacks.cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps({"Resources": {"Vpc": VPC, "Subnet": BAD_SUBNET}}),
        **options,
    )["StackId"]
    assert (
        stacks.cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
        == status
    )


def test_failed_update_rolls_back_to_the_previous_state(stacks, client):
    bucket = unique("rollback")
    stack = stacks.create(bucket_stack(bucket), {"Env": "dev"})
    template = bucket_stack(bucket)
    template["Resources"]["Bucket"]["Properties"]["VersioningConfiguration"] = {"Status": "Enabled"}
    template["Resources"].update({"Vpc": VPC, "Subnet": BAD_SUBNET})
    updated = stacks.update(stack["StackName"], template, {"Env": "dev", "Days": "5"})
    assert updated["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "Subnet" in updated["StackStatusReason"]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in updated["Parameters"]}
    assert parameters["Days"] == "30"
    s3 = client("s3")
    assert (
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]["Expiration"]["Days"] == 30
    )
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket) or (
        s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    )
    body = stacks.cloudformation.get_template(StackName=stack["StackName"])["TemplateBody"]
    assert body == bucket_stack(bucket)  # boto3 parses a JSON body
    assert set(stacks.physical_ids(stack["StackName"])) == {"Bucket"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param({"Fn::GetAtt": ["Vpc", "NoSuchAttribute"]}, "NoSuchAttribute", id="attribute"),
        pytest.param(
            {"Fn::GetAtt": ["Missing", "Arn"]}, "undefined resource Missing", id="resource"
        ),
    ],
)
def test_bad_get_att_is_a_clear_error(stacks, value, message):
    template = {"Resources": {"Vpc": VPC}, "Outputs": {"Out": {"Value": value}}}
    with pytest.raises(ClientError) as raised:
        stacks.create(template)
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert message in raised.value.response["Error"]["Message"]


def test_get_att_in_a_property_fails_the_resource_with_the_reason(stacks):
    template = {
        "Resources": {
            "Vpc": VPC,
            "Group": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": {"Fn::GetAtt": ["Vpc", "Nope"]},
                    "VpcId": {"Ref": "Vpc"},
                },
            },
        }
    }
    stack = stacks.create(template)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "does not support attribute type Nope in Fn::GetAtt" in stack["StackStatusReason"]


def test_unsupported_resource_type_is_refused(stacks):
    template = {"Resources": {"Thing": {"Type": "AWS::Nope::Thing", "Properties": {}}}}
    with pytest.raises(ClientError, match=r"does not support resource types: \[AWS::Nope::Thing\]"):
        stacks.create(template)


def test_import_value_and_export_removal(stacks):
    exporter = stacks.create(bucket_stack(unique("exporter")), {"Env": "dev"})
    export = f"{exporter['StackName']}-Name"
    importer = stacks.create(
        {
            "Resources": {
                "Topic": {
                    "Type": "AWS::SNS::Topic",
                    "Properties": {"TopicName": {"Fn::ImportValue": export}},
                }
            },
            "Outputs": {"Imported": {"Value": {"Fn::ImportValue": export}}},
        }
    )
    assert (
        stacks.outputs(importer["StackName"])["Imported"]
        == stacks.outputs(exporter["StackName"])["Name"]
    )
    stacks.delete(exporter["StackName"])
    names = {e["Name"] for e in stacks.cloudformation.list_exports()["Exports"]}
    assert export not in names


LIST_PARAMETER_TEMPLATE = {
    "Parameters": {"Names": {"Type": "CommaDelimitedList"}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
}


def test_list_parameters_are_described_comma_joined_as_aws_does(client):
    cloudformation = client("cloudformation")
    cloudformation.create_stack(
        StackName="list-parameter",
        TemplateBody=json.dumps(LIST_PARAMETER_TEMPLATE),
        Parameters=[{"ParameterKey": "Names", "ParameterValue": "a,b"}],
    )
    waiter = cloudformation.get_waiter("stack_create_complete")
    waiter.wait(StackName="list-parameter", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    (stack,) = cloudformation.describe_stacks(StackName="list-parameter")["Stacks"]
    assert stack["Parameters"] == [{"ParameterKey": "Names", "ParameterValue": "a,b"}]
