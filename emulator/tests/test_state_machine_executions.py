"""Step Functions executions run on the local AWS: Task states invoke real handlers through the
Lambda runtime, and Retry, Catch, Choice, Map and the SNS publish behave as the Amazon States
Language says. The definition uses the sync workflow's constructs (templates/tapstack_blocks/
sync_workflow.py) with short retry intervals; each test reads GetExecutionHistory."""

import io
import json
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from stack_helpers import service_trust, unique

HANDLER = Path(__file__).with_name("lambdas") / "workflow_step.py"
RETRY = {
    "ErrorEquals": ["TableApplyError"],
    "IntervalSeconds": 1,
    "MaxAttempts": 2,
    "BackoffRate": 2,
}
FINISHED = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def definition(function_arn: str, topic_arn: str) -> dict[str, Any]:
    """Map over items, one at a time, a retried Task per item; Catch -> SNS -> Fail; a Choice
    on the first item's answer."""
    step = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function_arn, "Payload.$": "$"},
        "ResultSelector": {"report.$": "$.Payload"},
        "Retry": [RETRY],
        "End": True,
    }
    return {
        "StartAt": "EachItem",
        "States": {
            "EachItem": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {
                    "key.$": "$$.Map.Item.Value.key",
                    "fail_times.$": "$$.Map.Item.Value.fail_times",
                    "rows_changed.$": "$$.Map.Item.Value.rows_changed",
                },
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Step",
                    "States": {"Step": step},
                },
                "ResultPath": "$.done",
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Notify"}
                ],
                "Next": "NothingChanged",
            },
            "NothingChanged": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.done[0].report.rows_changed",
                        "NumericEquals": 0,
                        "Next": "Done",
                    }
                ],
                "Default": "SomethingChanged",
            },
            "SomethingChanged": {"Type": "Fail", "Error": "SomethingChanged", "Cause": "rows"},
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {
                    "TopicArn": topic_arn,
                    "Subject": "step failed",
                    "Message.$": "States.JsonToString($.error)",
                },
                "Next": "StepFailed",
            },
            "StepFailed": {"Type": "Fail", "Error": "StepFailed", "Cause": "see the topic"},
            "Done": {"Type": "Succeed"},
        },
    }


@pytest.fixture(scope="module")
def workflow(client) -> dict[str, str]:
    """A function, a topic with a queue on it, and the state machine, in the default account."""
    name = unique("workflow")
    iam, s3 = client("iam"), client("s3")
    role = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(service_trust("lambda.amazonaws.com"))
    )["Role"]["Arn"]
    states_role = iam.create_role(
        RoleName=f"{name}-states",
        AssumeRolePolicyDocument=json.dumps(service_trust("states.amazonaws.com")),
    )["Role"]["Arn"]
    s3.create_bucket(Bucket=name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(HANDLER, HANDLER.name)
    s3.put_object(Bucket=name, Key="step.zip", Body=buffer.getvalue())
    client("logs").create_log_group(logGroupName=f"/aws/lambda/{name}")
    function = client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="workflow_step.handler",
        Code={"S3Bucket": name, "S3Key": "step.zip"},
        Timeout=30,
    )["FunctionArn"]
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    machine = client("stepfunctions").create_state_machine(
        name=name, definition=json.dumps(definition(function, topic)), roleArn=states_role
    )["stateMachineArn"]
    return {"machine": machine, "queue": queue, "function": function, "states_role": states_role}


def run(client, machine: str, items: list[dict[str, Any]], timeout: float = 60) -> dict[str, Any]:
    """Start an execution, wait for it to finish: DescribeExecution and the history's events."""
    stepfunctions = client("stepfunctions")
    arn = stepfunctions.start_execution(
        stateMachineArn=machine, input=json.dumps({"items": items})
    )["executionArn"]
    deadline = time.monotonic() + timeout
    while (described := stepfunctions.describe_execution(executionArn=arn))[
        "status"
    ] not in FINISHED:
        assert time.monotonic() < deadline, f"{arn} still {described['status']}"
        time.sleep(0.2)
    events = stepfunctions.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return {**described, "events": events}


def item(fail_times: int = 0, rows_changed: int = 0) -> dict[str, Any]:
    return {"key": unique("item"), "fail_times": fail_times, "rows_changed": rows_changed}


def of_type(events: list[dict], kind: str) -> list[dict]:
    return [event for event in events if event["type"] == kind]


def lambda_tasks(events: list[dict]) -> list[dict]:
    """The TaskScheduled events of Lambda invocations."""
    return [
        e
        for e in of_type(events, "TaskScheduled")
        if e["taskScheduledEventDetails"]["resourceType"] == "lambda"
    ]


def payload(scheduled: dict) -> dict:
    """The Payload a TaskScheduled event sent to the function."""
    sent = json.loads(scheduled["taskScheduledEventDetails"]["parameters"])["Payload"]
    return json.loads(sent) if isinstance(sent, str) else sent


def messages(client, queue: str) -> list[dict]:
    """The SNS notifications that reached the queue (SNS envelope -> its Message)."""
    received = (
        client("sqs")
        .receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        .get("Messages", [])
    )
    return [json.loads(json.loads(m["Body"])["Message"]) for m in received]


def test_a_step_that_fails_once_is_retried_after_its_interval_and_succeeds(client, workflow):
    # GIVEN an item whose handler fails once with a retried error
    flaky = item(fail_times=1)
    # WHEN the workflow runs
    execution = run(client, workflow["machine"], [flaky])
    # THEN it succeeds on the second attempt, one interval (1 s) after the failure
    assert execution["status"] == "SUCCEEDED", execution
    events = execution["events"]
    assert [payload(e)["key"] for e in lambda_tasks(events)] == [flaky["key"]] * 2
    (failed,) = of_type(events, "TaskFailed")
    assert failed["taskFailedEventDetails"]["error"] == "TableApplyError"
    retried = lambda_tasks(events)[1]
    assert retried["timestamp"] - failed["timestamp"] >= timedelta(seconds=0.9)
    (succeeded,) = of_type(events, "TaskSucceeded")
    answer = json.loads(succeeded["taskSucceededEventDetails"]["output"])["Payload"]
    assert answer == {"key": flaky["key"], "attempt": 2, "rows_changed": 0}
    # AND the Choice took the "nothing changed" branch to Done
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]
    assert entered[-2:] == ["NothingChanged", "Done"]
    # AND the task ran as the Lambda function the definition names (the handler's answer)
    assert json.loads(execution["output"])["done"][0]["report"]["attempt"] == 2


def test_a_table_step_that_keeps_failing_is_caught_and_reaches_the_failure_topic(client, workflow):
    # GIVEN three tables, the second failing (TableApplyError) more often than it is retried
    first, broken, last = item(), item(fail_times=9), item()
    # WHEN the workflow runs
    execution = run(client, workflow["machine"], [first, broken, last])
    # THEN the broken item ran 1 + MaxAttempts times, waiting 1 s then 2 s (BackoffRate 2)
    assert execution["status"] == "FAILED", execution
    assert execution["error"] == "StepFailed"
    events = execution["events"]
    scheduled = lambda_tasks(events)
    keys = [payload(event)["key"] for event in scheduled]
    assert keys == [first["key"], broken["key"], broken["key"], broken["key"]]
    failures = [e for e in of_type(events, "TaskFailed")]
    assert [f["taskFailedEventDetails"]["error"] for f in failures] == ["TableApplyError"] * 3
    retries = [e for e in scheduled if e["timestamp"] > failures[0]["timestamp"]]
    assert retries[0]["timestamp"] - failures[0]["timestamp"] >= timedelta(seconds=0.9)
    assert retries[1]["timestamp"] - failures[1]["timestamp"] >= timedelta(seconds=1.9)
    # AND the Map stopped: the last item never ran; the Catch led to Notify, then StepFailed
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]
    assert entered[-2:] == ["Notify", "StepFailed"]
    # AND the failure topic got the error and its cause, as the Catch recorded them
    (message,) = [m for m in messages(client, workflow["queue"]) if broken["key"] in m["Cause"]]
    assert message["Error"] == "TableApplyError"
    assert json.loads(message["Cause"])["errorType"] == "TableApplyError"


def test_the_choice_takes_its_default_when_the_value_differs(client, workflow):
    # GIVEN an item that reports changed rows
    execution = run(client, workflow["machine"], [item(rows_changed=3)])
    # THEN the Choice's default leads to the Fail state
    assert execution["status"] == "FAILED"
    assert execution["error"] == "SomethingChanged"
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in execution["events"]
        if "stateEnteredEventDetails" in e
    ]
    assert entered[-2:] == ["NothingChanged", "SomethingChanged"]
