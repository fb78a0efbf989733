"""A workflow step for the Step Functions tests: fails `fail_times` times for its key, then
answers; every run prints one embedded-metric-format line, as Powertools' Metrics does."""

import json
import os
import time
from pathlib import Path


class TableApplyError(Exception):
    """Named like the sync's retried error."""


def handler(event, context):
    counter = Path(os.environ["HOME"]) / f"workflow-step-{event['key']}"
    attempt = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(attempt))
    failed = attempt <= int(event.get("fail_times", 0))
    print(
        json.dumps(
            {
                "_aws": {
                    "Timestamp": int(time.time() * 1000),
                    "CloudWatchMetrics": [
                        {
                            "Namespace": "tapstack-tests",
                            "Dimensions": [["key"]],
                            "Metrics": [{"Name": "StepFailures", "Unit": "Count"}],
                        }
                    ],
                },
                "key": event["key"],
                "StepFailures": [1 if failed else 0],
            }
        )
    )
    if failed:
        raise TableApplyError(f"{event['key']}: attempt {attempt} failed")
    return {"key": event["key"], "attempt": attempt, "rows_changed": event.get("rows_changed", 0)}
