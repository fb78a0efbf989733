"""An EventBridge rule with a rate expression starts its state machine target with the target's
Input (the session's server runs one schedule minute in one second,
TAPSTACK_EMULATOR_SCHEDULE_MINUTE_SECONDS); a disabled rule starts nothing."""

import json
import time

from stack_helpers import service_trust, unique

PASS_THROUGH = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}


def template(name: str, state: str) -> dict:
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": service_trust("states.amazonaws.com")},
            },
            "EventsRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": service_trust("events.amazonaws.com")},
            },
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": name,
                    "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Definition": PASS_THROUGH,
                },
            },
            "Schedule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Name": name,
                    "ScheduleExpression": "rate(2 minutes)",
                    "State": state,
                    "Targets": [
                        {
                            "Id": "machine",
                            "Arn": {"Ref": "Machine"},
                            "RoleArn": {"Fn::GetAtt": ["EventsRole", "Arn"]},
                            "Input": json.dumps({"targets": ["dev"], "tables": "currencies"}),
                        }
                    ],
                },
            },
        },
        "Outputs": {"Machine": {"Value": {"Ref": "Machine"}}},
    }


def executions(client, machine: str) -> list[dict]:
    return client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]


def test_a_scheduled_rule_starts_its_state_machine_every_period(stacks, client):
    # GIVEN an enabled rule every 2 (local) minutes, and a disabled one
    enabled = stacks.create(template(unique("every"), "ENABLED"))
    disabled = stacks.create(template(unique("never"), "DISABLED"))
    machine = stacks.outputs(enabled["StackName"])["Machine"]
    idle = stacks.outputs(disabled["StackName"])["Machine"]
    # WHEN one period has passed
    assert executions(client, machine) == []
    deadline = time.monotonic() + 15
    while not executions(client, machine):
        assert time.monotonic() < deadline, "the schedule never fired"
        time.sleep(0.2)
    # THEN the target's state machine ran with the target's Input
    (started,) = executions(client, machine)[:1]
    stepfunctions = client("stepfunctions")
    while (described := stepfunctions.describe_execution(executionArn=started["executionArn"]))[
        "status"
    ] == "RUNNING":
        time.sleep(0.1)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["input"]) == {"targets": ["dev"], "tables": "currencies"}
    assert json.loads(described["output"]) == json.loads(described["input"])
    # AND it fires again a period later, while the disabled rule never fires
    time.sleep(2.5)
    assert len(executions(client, machine)) >= 2
    assert executions(client, idle) == []
