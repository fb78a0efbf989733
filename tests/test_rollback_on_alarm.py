"""A rollback trigger rolls an update back: Sceptre launches a stack update with
`!rollback_triggers`, the alarm goes to ALARM inside the monitoring window (its metric arrives
as an embedded-metric-format log line, the way the Lambdas publish metrics), and CloudFormation
rolls the update back with the previous template in place. A quiet alarm lets an update
complete once its window has passed.

This module runs a local AWS of its own in which one monitoring minute lasts one second
(TAPSTACK_EMULATOR_MONITORING_MINUTE_SECONDS; the session's local AWS waits out no window).
"""

import json
import os
import subprocess
import textwrap
import time
import uuid
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from tapstack_tools.deployment import SCEPTRE
from tapstack_tools.local_aws import running_local_aws

pytestmark = pytest.mark.e2e

NAMESPACE = "tapstack"
METRIC = "SyncLagSeconds"
THRESHOLD_SECONDS = 60


@pytest.fixture(scope="module")
def monitored_aws():
    """A local AWS of this module's own, whose monitoring minute lasts one second."""
    with running_local_aws(settings={"TAPSTACK_EMULATOR_MONITORING_MINUTE_SECONDS": "1"}) as aws:
        yield aws


def put_lag_alarm(cloudwatch, service: str) -> str:
    """The sync's lag alarm, reading the metric the sync's Powertools Metrics emits (10 s
    periods, so one datapoint decides); its ARN."""
    name = f"{service}-lag"
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace=NAMESPACE,
        MetricName=METRIC,
        Dimensions=[{"Name": "service", "Value": service}],
        Statistic="Maximum",
        Period=10,
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
        Threshold=THRESHOLD_SECONDS,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return alarm["AlarmArn"]


def guarded_template(log_groups: int) -> dict:
    return {
        "Resources": {
            f"Group{index}": {"Type": "AWS::Logs::LogGroup", "Properties": {}}
            for index in range(log_groups)
        }
    }


def configure(root: Path, alarm_arn: str, log_groups: int, monitoring_minutes: int) -> None:
    """The guarded stack's template and its `!rollback_triggers` at all four hook points."""
    (root / "templates" / "guarded.json").write_text(json.dumps(guarded_template(log_groups)))
    (root / "config" / "test" / "guarded.yaml").write_text(
        textwrap.dedent(
            f"""\
            template:
              path: guarded.json
            hooks:
              before_create:
                - &triggers !rollback_triggers
                    alarms: {alarm_arn}
                    monitoring_minutes: {monitoring_minutes}
              after_create: [*triggers]
              before_update: [*triggers]
              after_update: [*triggers]
            """
        )
    )


def emf_line(service: str, lag_seconds: float) -> str:
    """One line as Powertools' Metrics writes it to the function's log."""
    return json.dumps(
        {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [["service"]],
                        "Metrics": [{"Name": METRIC, "Unit": "Seconds"}],
                    }
                ],
            },
            "service": service,
            METRIC: [lag_seconds],
        }
    )


@pytest.fixture(scope="module")
def project(monitored_aws, tmp_path_factory):
    """The lag alarm, and a Sceptre project whose stack it guards, created on the module's
    local AWS."""
    code = f"rb{uuid.uuid4().hex[:8]}"
    alarm_arn = put_lag_alarm(monitored_aws.client("cloudwatch"), code)
    root = tmp_path_factory.mktemp("rollback-project")
    (root / "config" / "test").mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "config" / "config.yaml").write_text(f"project_code: {code}\nregion: us-east-1\n")
    configure(root, alarm_arn, log_groups=1, monitoring_minutes=0)
    environment = {**os.environ, **monitored_aws.env()}
    launched = sceptre(root, environment, "launch", "-y", "test/guarded.yaml")
    assert launched.returncode == 0, launched.stdout + launched.stderr
    logs = monitored_aws.client("logs")
    group = f"/aws/lambda/{code}-sync"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="run")
    return SimpleNamespace(
        root=root,
        code=code,
        alarm_arn=alarm_arn,
        environment=environment,
        stack=f"{code}-test-guarded",
        cloudformation=monitored_aws.client("cloudformation"),
        cloudwatch=monitored_aws.client("cloudwatch"),
        logs=logs,
        log_group=group,
    )


def sceptre(root: Path, environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed executable
        [SCEPTRE, "--dir", str(root), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def publish_lag(project: SimpleNamespace, lag_seconds: float) -> None:
    """The sync's log line with its lag metric, into the function's log group."""
    project.logs.put_log_events(
        logGroupName=project.log_group,
        logStreamName="run",
        logEvents=[
            {"timestamp": int(time.time() * 1000), "message": emf_line(project.code, lag_seconds)}
        ],
    )


def deployed_template(project: SimpleNamespace) -> dict:
    """GetTemplate's body as a document (Sceptre sends it as text with a YAML `---`)."""
    body = project.cloudformation.get_template(StackName=project.stack)["TemplateBody"]
    return json.loads(body.removeprefix("---\n")) if isinstance(body, str) else body


def stack(project: SimpleNamespace) -> dict:
    return project.cloudformation.describe_stacks(StackName=project.stack)["Stacks"][0]


def events(project: SimpleNamespace) -> list[dict]:
    """The guarded stack's events, oldest first."""
    found = project.cloudformation.describe_stack_events(StackName=project.stack)["StackEvents"]
    return list(reversed(found))


def alarm_state(project: SimpleNamespace) -> str:
    (alarm,) = project.cloudwatch.describe_alarms(AlarmNames=[f"{project.code}-lag"])[
        "MetricAlarms"
    ]
    return alarm["StateValue"]


def test_an_update_completes_after_a_quiet_monitoring_window(project):
    # GIVEN a lag below the threshold
    publish_lag(project, THRESHOLD_SECONDS - 1)
    assert alarm_state(project) == "OK"
    # WHEN Sceptre launches an update monitored for 3 minutes (3 s here)
    configure(project.root, project.alarm_arn, log_groups=2, monitoring_minutes=3)
    result = sceptre(project.root, project.environment, "launch", "-y", "test/guarded.yaml")
    # THEN the update completed, and only after its window
    assert result.returncode == 0, result.stdout + result.stderr
    assert stack(project)["StackStatus"] == "UPDATE_COMPLETE"
    timeline = events(project)
    (resource_done,) = [
        e
        for e in timeline
        if e["LogicalResourceId"] == "Group1" and e["ResourceStatus"] == "CREATE_COMPLETE"
    ]
    cleanup = [e for e in timeline if e["ResourceStatus"] == "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"][
        -1
    ]
    assert (cleanup["Timestamp"] - resource_done["Timestamp"]).total_seconds() >= 2.5


def test_an_alarm_inside_the_monitoring_window_rolls_the_update_back(project):
    before = deployed_template(project)
    assert set(before["Resources"]) == {"Group0", "Group1"}  # the previous test's update
    # GIVEN Sceptre launching an update (a third log group) monitored for 60 minutes (60 s)
    configure(project.root, project.alarm_arn, log_groups=3, monitoring_minutes=60)
    launch = subprocess.Popen(  # noqa: S603 - fixed executable
        [SCEPTRE, "--dir", str(project.root), "launch", "-y", "test/guarded.yaml"],
        env=project.environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # WHEN the new resource is deployed and the stack is in its monitoring window
        deadline = time.monotonic() + 60
        while not [
            e
            for e in events(project)
            if e["LogicalResourceId"] == "Group2" and e["ResourceStatus"] == "CREATE_COMPLETE"
        ]:
            assert time.monotonic() < deadline, "the update never deployed its resource"
            time.sleep(0.2)
        assert stack(project)["StackStatus"] == "UPDATE_IN_PROGRESS"
        assert alarm_state(project) == "OK"
        window_started = datetime.now().astimezone()
        # AND the sync's lag goes above the alarm's threshold
        publish_lag(project, THRESHOLD_SECONDS + 30)
        output, _ = launch.communicate(timeout=120)
    finally:
        launch.kill()
    # THEN the alarm went to ALARM and CloudFormation rolled the update back
    assert alarm_state(project) == "ALARM"
    described = stack(project)
    assert described["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE", output
    assert f"{project.code}-lag" in described["StackStatusReason"]
    rolled_back = [
        e for e in events(project) if e["ResourceStatus"] == "UPDATE_ROLLBACK_IN_PROGRESS"
    ]
    # well inside the 60-second window: right after the alarm, not at its end
    assert (rolled_back[-1]["Timestamp"] - window_started).total_seconds() < 10
    # AND the previous template and resources are in place
    assert deployed_template(project) == before
    resources = project.cloudformation.describe_stack_resources(StackName=project.stack)
    assert {r["LogicalResourceId"] for r in resources["StackResources"]} == {"Group0", "Group1"}
    assert "UPDATE_ROLLBACK_COMPLETE" in output
    assert launch.returncode != 0  # Sceptre reports the launch as failed
