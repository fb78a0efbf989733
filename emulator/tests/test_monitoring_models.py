"""CloudWatch alarms, SNS topics and topic policies through CloudFormation; RollbackConfiguration
checked, stored and described."""

import json

import pytest
from botocore.exceptions import ClientError
from stack_helpers import unique

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def alarm_template(name: str) -> dict:
    dimension = [{"Name": "FunctionName", "Value": "tapstack-validator-dev-t1"}]

    def query(query_id: str, metric: str) -> dict:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": metric,
                    "Dimensions": dimension,
                },
                "Period": 300,
                "Stat": "Sum",
            },
            "ReturnData": False,
        }

    return {
        "Resources": {
            "Topic": {
                "Type": "AWS::SNS::Topic",
                "Properties": {
                    "TopicName": f"{name}-topic",
                    "KmsMasterKeyId": KEY_ARN,
                    "Tags": [{"Key": "Name", "Value": name}],
                },
            },
            "TopicPolicy": {
                "Type": "AWS::SNS::TopicPolicy",
                "Properties": {
                    "Topics": [{"Ref": "Topic"}],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Resource": {"Ref": "Topic"},
                            }
                        ],
                    },
                },
            },
            "Connections": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": f"{name}-connections",
                    "Namespace": "AWS/RDS",
                    "MetricName": "DatabaseConnections",
                    "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "tapstack-aurora"}],
                    "Statistic": "Maximum",
                    "Period": 300,
                    "EvaluationPeriods": 1,
                    "Threshold": 800,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "AlarmActions": [{"Ref": "Topic"}],
                    "TreatMissingData": "notBreaching",
                },
            },
            "ErrorRate": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": f"{name}-error-rate",
                    "Metrics": [
                        query("errors", "Errors"),
                        query("invocations", "Invocations"),
                        {"Id": "rate", "Expression": "100 * errors / invocations"},
                    ],
                    "EvaluationPeriods": 1,
                    "Threshold": 5,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "AlarmActions": [{"Ref": "Topic"}],
                },
            },
        },
        "Outputs": {
            "ConnectionsArn": {"Value": {"Fn::GetAtt": ["Connections", "Arn"]}},
            "ErrorRateArn": {"Value": {"Fn::GetAtt": ["ErrorRate", "Arn"]}},
            "TopicArn": {"Value": {"Ref": "Topic"}},
        },
    }


GUARDED = {"Resources": {"Group": {"Type": "AWS::Logs::LogGroup", "Properties": {}}}}


@pytest.fixture(scope="module")
def alarms(stacks):
    name = unique("monitoring")
    stack = stacks.create(alarm_template(name), name=name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return name, stacks.outputs(name)


def test_alarms_are_created_with_metric_math_and_actions(alarms, client):
    name, outputs = alarms
    found = client("cloudwatch").describe_alarms(AlarmNamePrefix=name)["MetricAlarms"]
    by_name = {alarm["AlarmName"]: alarm for alarm in found}
    connections = by_name[f"{name}-connections"]
    assert connections["AlarmArn"] == outputs["ConnectionsArn"]
    assert connections["Threshold"] == 800
    assert connections["Dimensions"] == [
        {"Name": "DBClusterIdentifier", "Value": "tapstack-aurora"}
    ]
    assert connections["AlarmActions"] == [outputs["TopicArn"]]
    rate = by_name[f"{name}-error-rate"]
    expressions = [query.get("Expression") for query in rate["Metrics"]]
    assert "100 * errors / invocations" in expressions


def test_topic_is_encrypted_and_carries_its_policy(alarms, client):
    _name, outputs = alarms
    attributes = client("sns").get_topic_attributes(TopicArn=outputs["TopicArn"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == KEY_ARN
    policy = json.loads(attributes["Policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}


def test_deleting_the_stack_removes_alarms_and_topic(stacks, client):
    name = unique("monitoring")
    stacks.create(alarm_template(name), name=name)
    assert stacks.delete(name) == "DELETE_COMPLETE"
    assert client("cloudwatch").describe_alarms(AlarmNamePrefix=name)["MetricAlarms"] == []
    topics = [t["TopicArn"] for t in client("sns").list_topics()["Topics"]]
    assert not [arn for arn in topics if name in arn]


def test_rollback_configuration_is_stored_kept_and_removed(alarms, stacks):
    _name, outputs = alarms
    triggers = [{"Arn": outputs["ConnectionsArn"], "Type": "AWS::CloudWatch::Alarm"}]
    configuration = {"RollbackTriggers": triggers, "MonitoringTimeInMinutes": 5}
    name = unique("guarded")
    stack = stacks.create(GUARDED, name=name, RollbackConfiguration=configuration)
    assert stack["RollbackConfiguration"] == configuration
    changed = {"Resources": {**GUARDED["Resources"], "Other": GUARDED["Resources"]["Group"]}}
    assert stacks.update(name, changed)["RollbackConfiguration"] == configuration
    emptied = stacks.update(name, GUARDED, RollbackConfiguration={"RollbackTriggers": []})
    assert emptied["RollbackConfiguration"]["RollbackTriggers"] == []


def test_a_stack_without_triggers_shows_an_empty_configuration(stacks):
    # AWS's DescribeStacks carries RollbackConfiguration on every stack: {} when none was given.
    assert stacks.create(GUARDED)["RollbackConfiguration"] == {}


def test_an_update_that_rolls_back_keeps_the_previous_configuration(alarms, stacks):
    _name, outputs = alarms
    triggers = [{"Arn": outputs["ConnectionsArn"], "Type": "AWS::CloudWatch::Alarm"}]
    before = {"RollbackTriggers": triggers, "MonitoringTimeInMinutes": 5}
    name = unique("guarded")
    stacks.create(GUARDED, name=name, RollbackConfiguration=before)
    failing = {"Resources": {**GUARDED["Resources"], "Bad": {"Type": "AWS::EC2::Subnet"}}}
    after = stacks.update(
        name, failing, RollbackConfiguration={**before, "MonitoringTimeInMinutes": 9}
    )
    assert after["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert after["RollbackConfiguration"] == before


def test_last_updated_time_moves_with_each_performed_update_only(stacks):
    # The !rollback_triggers hook tells a performed update from "No updates are to be performed"
    # by LastUpdatedTime, as it does on AWS.
    name = unique("guarded")
    assert "LastUpdatedTime" not in stacks.create(GUARDED, name=name)
    changed = {"Resources": {**GUARDED["Resources"], "Other": GUARDED["Resources"]["Group"]}}
    first = stacks.update(name, changed)["LastUpdatedTime"]
    with pytest.raises(ClientError, match="No updates are to be performed"):
        stacks.update(name, changed)
    assert stacks.describe(name)["LastUpdatedTime"] == first
    assert stacks.update(name, GUARDED)["LastUpdatedTime"] > first


def test_a_trigger_that_is_no_alarm_fails_the_call(alarms, stacks, client):
    _name, outputs = alarms
    missing = outputs["ConnectionsArn"] + "-gone"
    name = unique("guarded")
    with pytest.raises(ClientError, match="does not exist"):
        stacks.create(
            GUARDED,
            name=name,
            RollbackConfiguration={
                "RollbackTriggers": [{"Arn": missing, "Type": "AWS::CloudWatch::Alarm"}]
            },
        )
    names = [s["StackName"] for s in client("cloudformation").describe_stacks()["Stacks"]]
    assert name not in names


def test_an_output_whose_condition_is_false_exports_nothing(stacks, client):
    name = unique("conditional")
    template = {
        "Parameters": {"Env": {"Type": "String"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
        "Resources": {
            "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {}, "Condition": "IsProd"},
            "Other": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
        },
        "Outputs": {
            "GroupArn": {
                "Condition": "IsProd",
                "Value": {"Fn::GetAtt": ["Group", "Arn"]},
                "Export": {"Name": f"{name}-group"},
            }
        },
    }
    stack = stacks.create(template, {"Env": "dev"}, name=name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    exports = [e["Name"] for e in client("cloudformation").list_exports()["Exports"]]
    assert f"{name}-group" not in exports
    prod = stacks.create(template, {"Env": "prod"}, name=f"{name}-prod")
    assert prod["StackStatus"] == "CREATE_COMPLETE"
