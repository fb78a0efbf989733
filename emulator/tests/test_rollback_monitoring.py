"""Rollback triggers are evaluated: an alarm in ALARM (by its metric data) once the resources are
deployed rolls the create or update back; a quiet alarm lets it complete. This session's server
waits out no monitoring window (TAPSTACK_EMULATOR_MONITORING_MINUTE_SECONDS unset); the window
itself is proven through Sceptre by tests/test_rollback_on_alarm.py."""

from stack_helpers import unique

NAMESPACE = "tapstack-tests"


def alarm_template(name: str) -> dict:
    return {
        "Resources": {
            "Lag": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": name,
                    "Namespace": NAMESPACE,
                    "MetricName": name,
                    "Statistic": "Maximum",
                    "Period": 60,
                    "EvaluationPeriods": 1,
                    "Threshold": 60,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "TreatMissingData": "notBreaching",
                },
            }
        },
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Lag", "Arn"]}}},
    }


def guarded(groups: int, export: str | None = None) -> dict:
    template = {
        "Resources": {
            f"Group{i}": {"Type": "AWS::Logs::LogGroup", "Properties": {}} for i in range(groups)
        }
    }
    if export:
        template["Outputs"] = {"Name": {"Value": {"Ref": "Group0"}, "Export": {"Name": export}}}
    return template


def alarm(stacks, client) -> tuple[str, str]:
    """A fresh alarm (OK): its metric name and its ARN."""
    name = unique("lag")
    stack = stacks.create(alarm_template(name))
    return name, stacks.outputs(stack["StackName"])["Arn"]


def breach(client, metric: str) -> None:
    client("cloudwatch").put_metric_data(
        Namespace=NAMESPACE, MetricData=[{"MetricName": metric, "Value": 95}]
    )


def triggers(arn: str) -> dict:
    return {
        "RollbackTriggers": [{"Arn": arn, "Type": "AWS::CloudWatch::Alarm"}],
        "MonitoringTimeInMinutes": 10,
    }


def test_an_update_completes_while_its_trigger_is_quiet(stacks, client):
    metric, arn = alarm(stacks, client)
    name = stacks.create(guarded(1), RollbackConfiguration=triggers(arn))["StackName"]
    client("cloudwatch").put_metric_data(
        Namespace=NAMESPACE, MetricData=[{"MetricName": metric, "Value": 60}]
    )
    updated = stacks.update(name, guarded(2))  # the stack's triggers apply to the update
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    assert set(stacks.physical_ids(name)) == {"Group0", "Group1"}


def test_an_update_rolls_back_when_its_trigger_alarms(stacks, client):
    # GIVEN a stack guarded by an alarm, and the alarm's metric above its threshold
    metric, arn = alarm(stacks, client)
    name = stacks.create(guarded(1), RollbackConfiguration=triggers(arn))["StackName"]
    before = stacks.cloudformation.get_template(StackName=name)["TemplateBody"]
    breach(client, metric)
    # WHEN the stack is updated
    updated = stacks.update(name, guarded(2))
    # THEN the update rolled back, with the previous template and resources in place
    assert updated["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert arn in updated["StackStatusReason"]
    assert stacks.cloudformation.get_template(StackName=name)["TemplateBody"] == before
    assert set(stacks.physical_ids(name)) == {"Group0"}
    statuses = [(logical, status) for logical, status, _ in stacks.events(name)]
    assert (name, "UPDATE_ROLLBACK_IN_PROGRESS") in statuses
    assert ("Group1", "DELETE_COMPLETE") in statuses


def test_a_create_rolls_back_when_its_trigger_alarms(stacks, client):
    metric, arn = alarm(stacks, client)
    breach(client, metric)
    export = unique("export")
    created = stacks.create(guarded(1, export=export), RollbackConfiguration=triggers(arn))
    assert created["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "ALARM" in created["StackStatusReason"]
    exports = client("cloudformation").list_exports()["Exports"]
    assert export not in [e["Name"] for e in exports]
