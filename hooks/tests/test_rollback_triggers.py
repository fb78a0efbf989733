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
from tapstack_hooks.hook_points import HookPlacementError
from tapstack_hooks.rollback_configuration import alarm_arns
from tapstack_hooks.rollback_triggers import ALARMS, RollbackTriggerError, RollbackTriggers
from tapstack_tools.sceptre_scratch import sceptre

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
    """A Sceptre project: `alarms` stack (two alarms), and `guarded` with the hook at all four
    points."""
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


@pytest.fixture(autouse=True)
def _quick(quick_polls) -> None:
    """Every launch here polls the local AWS quickly."""


def launch(project: Path, path: str = "test") -> None:
    plan = SceptrePlan(SceptreContext(project_path=str(project), command_path=path))
    plan.launch()


@pytest.fixture
def recorded_calls(monkeypatch) -> list[tuple[str, dict]]:
    """Every CloudFormation create/update call Sceptre's connection manager makes. A test that
    sets `recorded_calls.drop` to a command name has that call sent without its
    RollbackConfiguration: what a Sceptre or a service that lost the key would do."""
    calls = RecordedCalls()
    original = ConnectionManager.call

    def spy(self, service, command, kwargs=None, *args, **more):
        if service == "cloudformation" and command in ("create_stack", "update_stack"):
            calls.append((command, dict(kwargs or {})))
            if command == calls.drop:
                kwargs = {k: v for k, v in kwargs.items() if k != "RollbackConfiguration"}
        return original(self, service, command, kwargs, *args, **more)

    monkeypatch.setattr(ConnectionManager, "call", spy)
    return calls


class RecordedCalls(list):
    """The recorded (command, kwargs) pairs, and which command loses its triggers, if any."""

    drop: str | None = None


def alarm_arns_of(local_aws, code: str) -> list[str]:
    alarms = local_aws.client("cloudformation").describe_stacks(StackName=f"{code}-test-alarms")
    return alarms["Stacks"][0]["Outputs"][0]["OutputValue"].split(",")


def triggers(arns: list[str], minutes: int = 7) -> dict:
    return {
        "RollbackTriggers": [{"Arn": arn, "Type": "AWS::CloudWatch::Alarm"} for arn in arns],
        "MonitoringTimeInMinutes": minutes,
    }


def test_triggers_reach_create_and_update_calls_and_the_stack(
    local_aws_env, tmp_path, recorded_calls, caplog
):
    caplog.set_level("INFO")
    code = f"rt{uuid.uuid4().hex[:8]}"
    project = write_project(tmp_path, code, '!stack_output "test/alarms.yaml::AlarmArns"')
    launch(project)
    cloudformation = local_aws_env.client("cloudformation")
    arns = alarm_arns_of(local_aws_env, code)
    expected = triggers(arns)
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


def test_after_create_fails_when_the_stack_does_not_carry_what_was_sent(
    local_aws_env, tmp_path, recorded_calls
):
    # The verification is a real check on the local AWS: a CreateStack that arrives without the
    # triggers (an older Sceptre, a service that drops the key) leaves a stack without them.
    code = f"rt{uuid.uuid4().hex[:8]}"
    project = write_project(tmp_path, code, '!stack_output "test/alarms.yaml::AlarmArns"')
    launch(project, "test/alarms.yaml")
    recorded_calls.drop = "create_stack"
    with pytest.raises(RollbackTriggerError) as caught:
        launch(project, "test/guarded.yaml")
    message = str(caught.value)
    assert message.startswith("test/guarded: !rollback_triggers: CreateStack was sent rollback ")
    assert "yet DescribeStacks shows [] (monitoring 0 min)" in message
    assert "update" not in message.lower()  # right after a create, no update is blamed


def test_after_update_fails_when_a_performed_update_did_not_set_them(
    local_aws_env, tmp_path, recorded_calls
):
    code = f"rt{uuid.uuid4().hex[:8]}"
    project = write_project(tmp_path, code, '!stack_output "test/alarms.yaml::AlarmArns"')
    launch(project)
    (project / "config/test/guarded.yaml").write_text(
        (project / "config/test/guarded.yaml").read_text().replace("minutes: 7", "minutes: 9")
    )
    (project / "templates/guarded.json").write_text(json.dumps(guarded_template(2)))
    recorded_calls.drop = "update_stack"
    with pytest.raises(RollbackTriggerError) as caught:
        launch(project, "test/guarded.yaml")
    assert "UpdateStack was sent rollback triggers" in str(caught.value)
    assert "(monitoring 9 min), yet DescribeStacks shows" in str(caught.value)
    assert "(monitoring 7 min)" in str(caught.value)


def test_an_update_with_nothing_else_to_change_keeps_the_triggers_and_says_so(
    local_aws_env, tmp_path, recorded_calls, caplog
):
    caplog.set_level("INFO")
    code = f"rt{uuid.uuid4().hex[:8]}"
    project = write_project(tmp_path, code, '!stack_output "test/alarms.yaml::AlarmArns"')
    launch(project)
    guarded = f"{code}-test-guarded"
    cloudformation = local_aws_env.client("cloudformation")
    arns = alarm_arns_of(local_aws_env, code)
    # GIVEN a relaunch that changes only the monitoring time (CloudFormation performs no update)
    config = project / "config/test/guarded.yaml"
    config.write_text(config.read_text().replace("minutes: 7", "minutes: 9"))
    caplog.clear()
    launch(project, "test/guarded.yaml")
    # THEN the launch succeeds, says why the stack keeps 7 minutes, and the stack does
    (warning,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "the update was not performed (nothing else changed)" in warning.getMessage()
    assert "(monitoring 9 min) reach it with its next change" in warning.getMessage()
    stack = cloudformation.describe_stacks(StackName=guarded)["Stacks"][0]
    assert stack["RollbackConfiguration"] == triggers(arns, 7)
    # AND the next real change carries the new ones, verified
    (project / "templates/guarded.json").write_text(json.dumps(guarded_template(2)))
    caplog.clear()
    launch(project, "test/guarded.yaml")
    stack = cloudformation.describe_stacks(StackName=guarded)["Stacks"][0]
    assert stack["RollbackConfiguration"] == triggers(arns, 9)
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    assert "rollback triggers verified" in caplog.text


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


def test_a_sceptre_that_does_not_ask_the_template_is_detected(local_aws_env, place):
    # The hook relies on create() taking the template through get_boto_call_parameter: if a
    # Sceptre version stops doing so, the after-hook says so instead of passing.
    alarms = local_aws_env.client("cloudwatch")
    name = f"rt{uuid.uuid4().hex[:8]}"
    alarms.put_metric_alarm(**alarms_template(name)["Resources"]["First"]["Properties"])
    arn = alarms.describe_alarms(AlarmNames=[f"{name}-first"])["MetricAlarms"][0]["AlarmArn"]
    hook = RollbackTriggers([arn])
    hooks = {"before_create": [hook], "after_create": [hook]}
    stack = Stack(
        name="test/guarded",
        project_code=name,
        template_handler_config={"type": "file", "path": "guarded.json"},
        region="us-east-1",
        hooks=hooks,
        config={"hooks": hooks},
    )
    stack._template = type("Template", (), {"get_boto_call_parameter": lambda self: {}})()
    stack.hooks["before_create"][0].run()
    local_aws_env.client("cloudformation").create_stack(
        StackName=stack.external_name, TemplateBody=json.dumps(guarded_template(1))
    )
    with pytest.raises(RollbackTriggerError, match="arguments 0 times"):
        stack.hooks["after_create"][0].run()


# --- arguments and placement -----------------------------------------------------------------


def make_hook(argument: object, place) -> RollbackTriggers:
    hook = RollbackTriggers(argument)
    hooks = {"before_create": [hook], "after_create": [hook]}
    stack = Stack(
        name="dev/us-east-1/database",
        project_code="tapstack",
        template_handler_config={"type": "file", "path": "database.py"},
        region="us-east-1",
        hooks=hooks,
        config={"hooks": hooks},
    )
    return stack.hooks["before_create"][0]


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        pytest.param(None, "`alarms` takes alarm ARNs", id="nothing"),
        pytest.param(42, "`alarms` takes alarm ARNs: a list, a comma-separated string", id="42"),
        pytest.param({"alarm": [ARN]}, "unknown key `alarm`", id="misspelt key"),
        pytest.param(
            {"alarms": [ARN], "monitoring_minutes": 181},
            "`monitoring_minutes` takes a whole number of minutes, 0-180, not 181",
            id="too long",
        ),
        pytest.param(
            {"alarms": [ARN], "monitoring_minutes": -1},
            "`monitoring_minutes` takes a whole number of minutes, 0-180, not -1",
            id="negative",
        ),
        pytest.param(
            {"alarms": [ARN], "monitoring_minutes": "ten"}, "not 'ten'", id="minutes as words"
        ),
    ],
)
def test_malformed_argument_fails_at_setup_naming_the_key(place, argument, message):
    with pytest.raises(InvalidHookArgumentSyntaxError) as caught:
        make_hook(argument, place)
    assert str(caught.value).startswith("dev/us-east-1/database: !rollback_triggers: ")
    assert message in str(caught.value)
    assert "You gave" in str(caught.value)


def test_short_forms_and_comma_separated_alarms_are_accepted(place):
    make_hook(ARN, place)
    make_hook([ARN, f"{ARN}-2"], place)
    assert alarm_arns(f"{ARN}, {ARN}-2", "s", ALARMS) == [ARN, f"{ARN}-2"]
    assert alarm_arns([f"{ARN},{ARN}-2"], "s", ALARMS) == [ARN, f"{ARN}-2"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("", "no alarm ARN", id="empty"),
        pytest.param("arn:aws:sns:us-east-1:123456789012:topic", "not CloudWatch alarm", id="sns"),
        pytest.param([ARN] * 6, "at most 5", id="too many"),
        pytest.param({"a": 1}, "`alarms` resolved to {'a': 1}", id="a mapping"),
    ],
)
def test_bad_resolved_alarms_are_named(value, message):
    with pytest.raises(RollbackTriggerError, match=message):
        alarm_arns(value, "dev/us-east-1/database", ALARMS)


@pytest.mark.parametrize("point", ["before_delete", "after_launch", "before_launch"])
def test_other_hook_points_are_refused_when_the_plan_is_built(place, point):
    with pytest.raises(HookPlacementError, match=f"not under `{point}`"):
        place(RollbackTriggers([ARN]), point)


@pytest.mark.parametrize(
    ("points", "missing"),
    [
        pytest.param(("before_create",), "after_create", id="no after_create"),
        pytest.param(("after_update",), "before_update", id="no before_update"),
    ],
)
def test_each_point_needs_its_partner(points, missing):
    hook = RollbackTriggers([ARN])
    hooks = {point: [hook] for point in points}
    with pytest.raises(RollbackTriggerError, match=f"needs itself under `{missing}` too"):
        Stack(
            name="dev/us-east-1/database",
            project_code="tapstack",
            template_handler_config={"type": "file", "path": "database.py"},
            region="us-east-1",
            hooks=hooks,
            config={"hooks": hooks},
        )


def test_a_bare_tag_under_a_hook_point_is_refused_not_ignored(tmp_path):
    # `before_update: !rollback_triggers {...}` (no list): Sceptre would never run it.
    project = write_project(tmp_path, "bare", f'"{ARN}"')
    config = project / "config/test/guarded.yaml"
    config.write_text(
        "template:\n  path: guarded.json\nhooks:\n"
        f"  before_update: !rollback_triggers {{alarms: '{ARN}'}}\n"
    )
    run = sceptre(project, "generate", "test/guarded.yaml")
    assert run.clean and run.exit_code == 1
    assert "!rollback_triggers is written straight under `before_update`" in run.output
