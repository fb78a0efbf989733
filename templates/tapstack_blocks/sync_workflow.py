"""The sync workflow as an Amazon States Language document (Step Functions).

Input: `{"targets": ["staging", "dev"], "tables": "currencies,fee_schedules,..."}` (the
allowlist as one comma-separated string, as EventBridge passes it), and optionally
`"force": true`, an operator's confirmed run past the safety brake (a target's first fill; the
schedule never sets it; without it every step gets `"force": false`). For each target, one at a
time: check schemas (a dry run: the engine compares definitions first and raises
SchemaMismatchError on a difference), sync each table with retries, verify (a second dry run
must find nothing left to change). Any failure is published to the failure topic, then the
execution fails. `${SyncFunctionArn}` and `${FailureTopicArn}` are definition substitutions.
Tables are synced in the order of the schema check's plan, which the engine sorts parents first
by foreign keys.
"""

from typing import Any

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
SNS_PUBLISH = "arn:aws:states:::sns:publish"
# Transient: Lambda's own throttling/service errors and a table whose transaction failed (it was
# rolled back completely, so a retry starts from the same state).
TRANSIENT_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "TableApplyError",
    "OperationalError",
]
RETRY = {"ErrorEquals": TRANSIENT_ERRORS, "IntervalSeconds": 5, "MaxAttempts": 3, "BackoffRate": 2}
FORCE = {"force.$": "$.force"}  # every step passes the run's `force` on to the Lambda


def _invoke(payload: dict[str, Any], result: str, next_state: str | None) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": "${SyncFunctionArn}", "Payload": payload},
        "ResultSelector": {"report.$": "$.Payload"},
        "ResultPath": result,
        "Retry": [RETRY],
    }
    if next_state:
        state["Next"] = next_state
    else:
        state["End"] = True
    return state


def _per_target() -> dict[str, Any]:
    sync_table = _invoke(
        {"target.$": "$.target", "tables.$": "States.Array($.table)", "force.$": "$.force"},
        "$.synced",
        None,
    )
    return {
        "StartAt": "CheckSchemas",
        "States": {
            "CheckSchemas": _invoke(
                {"target.$": "$.target", "tables.$": "$.tables", "dry_run": True, **FORCE},
                "$.schema_check",
                "SyncEachTable",
            ),
            "SyncEachTable": {
                "Type": "Map",
                # The schema check's plan lists the tables parents first (foreign keys), so
                # each table's rows exist before rows of another table refer to them.
                "ItemsPath": "$.schema_check.report.tables",
                "ItemSelector": {
                    "target.$": "$.target",
                    "table.$": "$$.Map.Item.Value.name",
                    **FORCE,
                },
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "SyncTable",
                    "States": {"SyncTable": sync_table},
                },
                "ResultPath": "$.synced",
                "Next": "VerifyChecksums",
            },
            "VerifyChecksums": _invoke(
                {"target.$": "$.target", "tables.$": "$.tables", "dry_run": True, **FORCE},
                "$.verified",
                "NothingLeftToChange",
            ),
            "NothingLeftToChange": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.verified.report.rows_changed",
                        "NumericEquals": 0,
                        "Next": "TargetInSync",
                    }
                ],
                "Default": "ChecksumsDiffer",
            },
            "ChecksumsDiffer": {
                "Type": "Fail",
                "Error": "ChecksumsDiffer",
                "Cause": "the target still differs from prod after the sync",
            },
            "TargetInSync": {"Type": "Succeed"},
        },
    }


def definition() -> dict[str, Any]:
    """The state machine definition."""
    return {
        "Comment": "tapstack reference-data sync: prod -> each target, table by table",
        "StartAt": "ForceGiven",
        "States": {
            "ForceGiven": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.force", "IsPresent": True, "Next": "ListTables"}],
                "Default": "NotForced",
            },
            "NotForced": {
                "Type": "Pass",
                "Result": False,
                "ResultPath": "$.force",
                "Next": "ListTables",
            },
            "ListTables": {
                "Type": "Pass",
                "Parameters": {
                    "targets.$": "$.targets",
                    "tables.$": "States.StringSplit($.tables, ',')",
                    **FORCE,
                },
                "Next": "EachTarget",
            },
            "EachTarget": {
                "Type": "Map",
                "ItemsPath": "$.targets",
                "ItemSelector": {
                    "target.$": "$$.Map.Item.Value",
                    "tables.$": "$.tables",
                    **FORCE,
                },
                "MaxConcurrency": 1,
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, **_per_target()},
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Notify"}
                ],
                "Next": "Done",
            },
            "Notify": {
                "Type": "Task",
                "Resource": SNS_PUBLISH,
                "Parameters": {
                    "TopicArn": "${FailureTopicArn}",
                    "Subject": "tapstack sync failed",
                    "Message.$": "States.JsonToString($.error)",
                },
                "Next": "SyncFailed",
            },
            "SyncFailed": {"Type": "Fail", "Error": "SyncFailed", "Cause": "see the failure topic"},
            "Done": {"Type": "Succeed"},
        },
    }
