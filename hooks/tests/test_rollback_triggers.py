"""!rollback_triggers: alarms reach the very CreateStack/UpdateStack call Sceptre makes, and
DescribeStacks shows them afterwards (a real Sceptre project launched on the local AWS)."""

import json
import textwrap
import uuid
from pathlib import Path

import pytest
from sceptre.connection_manager import ConnectionManager
from sceptre.context import SceptreContext
from sceptre.exceptions import InvalidHookArgumentSyntaxError
from sceptre.plan.plan import SceptrePlan
from sceptre.stack import Stack
from tapstack_hooks.rollback_triggers import RollbackTriggerError, RollbackTriggers, alarm_arns

ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:tapstack-aurora-connections-dev-main"


def alarms_template(prefix: str) -> dict:
    def alarm(name: str) -> dict:
        return {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": f"{prefix}-{name}",
                "Namespace": "AWS/RDS",
                "MetricName": "DatabaseConnections",
                "Statistic": "Maximum",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 800,
                "ComparisonOperator": "GreaterThanThreshold",
            },
        }

    return {
        "Resources": {"First": alarm("first"), "Second": alarm("second")},
        "Outputs": {
            "AlarmArns": {
                "Value": {
                    "Fn::Join": [
                        ",",
                        [{"Fn::GetAtt": ["First", "Arn"]}, {"Fn::GetAtt": ["Second", "Arn"]}],
                    ]
                }
            }
        },
    }


def guarded_template(log_groups: int) -> dict:
    return {
        "Resources": {
            f"Group{index}": {"Type": "AWS::Logs::LogGroup", "Properties": {}}
            for index in range(log_groups)
        }
    }


def write_project(root: Path, code: str, alarms_argument: str) -> Path:
    """A Sceptre project: `alarms` stack, and `guarded` with the hook at all four points."""
    (root / "config" / "test").mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "config" / "config.yaml").write_text(f"project_code: {code}\nregion: us-east-1\n")
    (root / "config" / "test" / "alarms.yaml").write_text("template:\n  path: alarms.json\n")
    (root / "config" / "test" / "guarded.yaml").write_text(
        textwrap.dedent(
            f"""\
            template:
              path: guarded.json
            hooks:
              before_create:
                - &triggers !rollback_triggers
                    alarms: {alarms_argument}
                    monitoring_minutes: 7
              after_create: [*triggers]
              before_update: [*triggers]
              after_update: [*triggers]
            """
        )
    )
    (root / "templates" / "alarms.json").write_text(json.dumps(alarms_template(code)))
    (root / "templates" / "guarded.json").write_text(json.dumps(guarded_template(1)))
    return root


def launch(project: Path, path: str = "test") -> None:
    plan = SceptrePlan(SceptreContext(project_path=str(project), command_path=path))
    plan.launch()


@pytest.fixture
def recorded_calls(monkeypatch) -> list[tuple[str, dict]]:
    """Every CloudFormation create/update call Sceptre's connection manager makes."""
    calls: list[tuple[str, dict]] = []
    original = ConnectionManager.call

    def spy(self, service, command, kwargs=None, *args, **more):
        if service == "cloudformation" and command in ("create_stack", "update_stack"):
            calls.append((command, dict(kwargs or {})))
        return original(self, service, command, kwargs, *args, **more)

    monkeypatch.setattr(ConnectionManager, "call", spy)
    return calls


def test_triggers_reach_create_and_update_calls_and_the_stack(
    local_aws_env, tmp_path, recorded_calls
):
    code = f"rt{uuid.uuid4().hex[:8]}"
    project = write_project(tmp_path, code, '!stack_output "test/alarms.yaml::AlarmArns"')
    launch(project)
    cloudformation = local_aws_env.client("cloudformation")
    alarms = cloudformation.describe_stacks(StackName=f"{code}-test-alarms")["Stacks"][0]
    arns = alarms["Outputs"][0]["OutputValue"].split(",")
    expected = {
        "RollbackTriggers": [{"Arn": arn, "Type": "AWS::CloudWatch::Alarm"} for arn in arns],
        "MonitoringTimeInMinutes": 7,
    }
    guarded_name = f"{code}-test-guarded"
    (create,) = [kw for command, kw in recorded_calls if kw["StackName"] == guarded_name]
    assert create["RollbackConfiguration"] == expected
    assert "TemplateBody" in create  # the template is still there: the call was extended
    stack = cloudformation.describe_stacks(StackName=guarded_name)["Stacks"][0]
    assert stack["RollbackConfiguration"] == expected

    (project / "templates" / "guarded.json").write_text(json.dumps(guarded_template(2)))
    launch(project, "test/guarded.yaml")
    commands = [(c, kw) for c, kw in recorded_calls if kw["StackName"] == guarded_name]
    assert [c for c, _ in commands] == ["create_stack", "update_stack"]
    assert commands[1][1]["RollbackConfiguration"] == expected
    stack = cloudformation.describe_stacks(StackName=guarded_name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert stack["RollbackConfiguration"] == expected


def test_an_alarm_that_does_not_exist_stops_before_the_call(
    local_aws_env, tmp_path, recorded_calls
):
    code = f"rt{uuid.uuid4().hex[:8]}"
    missing = f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{code}-gone"
    project = write_project(tmp_path, code, f'"{missing}"')
    with pytest.raises(RollbackTriggerError, match=rf"test/guarded: .*do not exist.*{code}-gone"):
        launch(project, "test/guarded.yaml")
    assert recorded_calls == []
    stacks = local_aws_env.client("cloudformation").describe_stacks()["Stacks"]
    assert f"{code}-test-guarded" not in [s["StackName"] for s in stacks]


# --- arguments -------------------------------------------------------------------------------


def make_hook(argument: object) -> RollbackTriggers:
    stack = Stack(
        name="dev/us-east-1/database",
        project_code="tapstack",
        template_handler_config={"type": "file", "path": "database.py"},
        region="us-east-1",
    )
    return RollbackTriggers(argument).clone_for_stack(stack)


@pytest.mark.parametrize(
    "argument",
    [
        pytest.param(None, id="nothing"),
        pytest.param(42, id="a number"),
        pytest.param({"alarm": [ARN]}, id="misspelt key"),
        pytest.param({"alarms": [ARN], "monitoring_minutes": 181}, id="too long"),
        pytest.param({"alarms": [ARN], "monitoring_minutes": -1}, id="negative"),
    ],
)
def test_malformed_argument_fails_at_setup(argument):
    with pytest.raises(InvalidHookArgumentSyntaxError, match=r"dev/us-east-1/database: .*You gave"):
        make_hook(argument)


def test_short_form_and_comma_separated_alarms_are_accepted():
    make_hook(ARN)
    assert alarm_arns(f"{ARN}, {ARN}-2", "s") == [ARN, f"{ARN}-2"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("", "no alarm ARN", id="empty"),
        pytest.param("arn:aws:sns:us-east-1:123456789012:topic", "not CloudWatch alarm", id="sns"),
        pytest.param([ARN] * 6, "at most 5", id="too many"),
        pytest.param({"a": 1}, "resolved to", id="a mapping"),
    ],
)
def test_bad_resolved_alarms_are_named(value, message):
    with pytest.raises(RollbackTriggerError, match=message):
        alarm_arns(value, "dev/us-east-1/database")


def test_misplaced_hook_is_refused():
    hook = make_hook([ARN])
    hook.stack.hooks = {"before_launch": [hook]}
    hook = hook.stack.hooks["before_launch"][0]
    with pytest.raises(RollbackTriggerError, match="runs under before_create"):
        hook.run()
