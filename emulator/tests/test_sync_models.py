"""What the sync stack needs beyond Lambda: a Step Functions state machine from a Definition
object with substitutions, logging and tracing; an EventBridge schedule switched by a
Condition; a managed policy attached to a role another stack owns."""

import json

from stack_helpers import service_trust, unique

TRUST = service_trust("states.amazonaws.com")


def template(name: str, comment: str) -> dict:
    definition = {
        "Comment": comment,
        "StartAt": "Sync",
        "States": {
            "Sync": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "${FunctionArn}", "Payload": {"target": "dev"}},
                "End": True,
            }
        },
    }
    return {
        "Parameters": {"Schedule": {"Type": "String"}, "Enabled": {"Type": "String"}},
        "Conditions": {"EnableSchedule": {"Fn::Equals": [{"Ref": "Enabled"}, "true"]}},
        "Resources": {
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": name}},
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"RoleName": name, "AssumeRolePolicyDocument": TRUST},
            },
            "Extra": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "Roles": [{"Ref": "Role"}],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}
                        ],
                    },
                },
            },
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": name,
                    "StateMachineType": "STANDARD",
                    "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Definition": definition,
                    "DefinitionSubstitutions": {
                        "FunctionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
                    },
                    "LoggingConfiguration": {
                        "Level": "ERROR",
                        "IncludeExecutionData": False,
                        "Destinations": [
                            {
                                "CloudWatchLogsLogGroup": {
                                    "LogGroupArn": {"Fn::GetAtt": ["Logs", "Arn"]}
                                }
                            }
                        ],
                    },
                    "TracingConfiguration": {"Enabled": True},
                },
            },
            "ScheduleRule": {
                "Type": "AWS::Events::Rule",
                "Condition": "EnableSchedule",
                "Properties": {
                    "Name": f"{name}-schedule",
                    "ScheduleExpression": {"Ref": "Schedule"},
                    "State": "ENABLED",
                    "Targets": [
                        {
                            "Id": "workflow",
                            "Arn": {"Ref": "Machine"},
                            "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                            "Input": '{"targets": ["dev"]}',
                        }
                    ],
                },
            },
        },
        "Outputs": {"MachineArn": {"Value": {"Ref": "Machine"}}},
    }


def test_state_machine_schedule_and_attached_policy(stacks, client):
    name = unique("sync")
    parameters = {"Schedule": "rate(1 hour)", "Enabled": "true"}
    stack = stacks.create(template(name, "first"), parameters, name=name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    arn = stacks.outputs(name)["MachineArn"]
    machine = client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    definition = json.loads(machine["definition"])
    function = definition["States"]["Sync"]["Parameters"]["FunctionName"]
    assert function == f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    assert machine["loggingConfiguration"]["level"] == "ERROR"
    assert machine["tracingConfiguration"] == {"enabled": True}
    assert machine["type"] == "STANDARD"
    (target,) = client("events").list_targets_by_rule(Rule=f"{name}-schedule")["Targets"]
    assert target["Arn"] == arn and target["Input"] == '{"targets": ["dev"]}'
    attached = client("iam").list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert len(attached) == 1

    # the definition updates in place; switching the schedule off removes the rule
    updated = stacks.update(
        name, template(name, "second"), {"Schedule": "rate(1 hour)", "Enabled": "false"}
    )
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    machine = client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    assert json.loads(machine["definition"])["Comment"] == "second"
    rules = client("events").list_rules(NamePrefix=name)["Rules"]
    assert rules == []

    assert stacks.delete(name) == "DELETE_COMPLETE", stacks.describe(name).get("StackStatusReason")
    machines = client("stepfunctions").list_state_machines()["stateMachines"]
    assert arn not in [m["stateMachineArn"] for m in machines]
