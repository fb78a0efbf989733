"""An EventBridge rule with a rate expression starts its state machine target with the target's
Input (the session's server runs one schedule minute in one second,
TAPSTACK_EMULATOR_SCHEDULE_MINUTE_SECONDS); a disabled rule starts nothing."""

import json
import time
from datetime import UTC, datetime

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
    # GIVEN a disabled rule, and an enabled one every 2 (local) minutes: 2 seconds
    disabled = stacks.create(template(unique("never"), "DISABLED"))
    created = datetime.now(UTC)
    enabled = stacks.create(template(unique("every"), "ENABLED"))
    machine = stacks.outputs(enabled["StackName"])["Machine"]
    idle = stacks.outputs(disabled["StackName"])["Machine"]
    # WHEN two periods have passed
    deadline = time.monotonic() + 20
    while len(started := executions(client, machine)) < 2:
        assert time.monotonic() < deadline, f"the schedule fired {len(started)} times"
        time.sleep(0.2)
    # THEN the first execution started one period after the rule existed, the next a period on
    first, second = sorted(started, key=lambda e: e["startDate"])[:2]
    assert (first["startDate"] - created).total_seconds() >= 1.5
    assert (second["startDate"] - first["startDate"]).total_seconds() >= 1.5
    # AND it ran the target's state machine with the target's Input
    stepfunctions = client("stepfunctions")
    while (described := stepfunctions.describe_execution(executionArn=first["executionArn"]))[
        "status"
    ] == "RUNNING":
        time.sleep(0.1)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["input"]) == {"targets": ["dev"], "tables": "currencies"}
    assert json.loads(described["output"]) == json.loads(described["input"])
    # AND the disabled rule never fired
    assert executions(client, idle) == []
