"""Wrong input, as a user meets it: the `sceptre` command ends with one message naming the stack
and the problem, never a traceback. Plan-time cases run `sceptre generate`; run-time cases run
`launch` or `delete` on the local AWS."""

import json
import textwrap
import uuid

import pytest
from tapstack_tools.sceptre_scratch import sceptre, write_project

ALARM = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:nowhere"
TOPIC = '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": %s}'


def project_with(tmp_path, stack: str, code: str = "usererrors", outputs: dict | None = None):
    """A project whose stack `dev/app.yaml` is `stack` (YAML) over a one-topic template."""
    return write_project(
        tmp_path,
        {
            "config/config.yaml": f"project_code: {code}\nregion: us-east-1\n",
            "config/dev/app.yaml": "template:\n  path: app.json\n" + textwrap.dedent(stack),
            "templates/app.json": TOPIC
            % json.dumps({k: {"Value": v} for k, v in (outputs or {"Name": "x"}).items()}),
        },
    )


def assert_one_message(run, *fragments: str) -> None:
    assert run.clean, run.output  # no traceback
    assert run.exit_code == 1, run.output
    assert "Traceback" not in run.output
    for fragment in fragments:
        assert fragment in run.output, run.output


@pytest.mark.parametrize(
    ("stack", "fragments"),
    [
        pytest.param(
            """\
            hooks:
              before_update:
                - !empty_buckets [BucketName]
            """,
            ["dev/app: !empty_buckets belongs under before_delete, not under `before_update`"],
            id="empty_buckets under before_update",
        ),
        pytest.param(
            """\
            hooks:
              before_delete: !empty_buckets [BucketName]
            """,
            ["!empty_buckets is written straight under `before_delete`", "list item"],
            id="empty_buckets not in a list",
        ),
        pytest.param(
            f"""\
            hooks:
              before_update: !rollback_triggers {{alarms: '{ALARM}'}}
            """,
            ["!rollback_triggers is written straight under `before_update`"],
            id="bare rollback_triggers",
        ),
        pytest.param(
            f"""\
            hooks:
              before_create:
                - !rollback_triggers ['{ALARM}']
            """,
            ["!rollback_triggers under `before_create` needs itself under `after_create` too"],
            id="rollback_triggers without its partner",
        ),
        pytest.param(
            """\
            hooks:
              before_create:
                - !rollback_triggers
              after_create:
                - !rollback_triggers
            """,
            ["!rollback_triggers: `alarms` takes alarm ARNs", "You gave None"],
            id="rollback_triggers without alarms",
        ),
        pytest.param(
            """\
            hooks:
              before_create:
                - !cfn_lint {ignore: {W3005: ""}}
            """,
            ["!cfn_lint: `ignore` takes a mapping of rule ids", "a non-empty reason each"],
            id="cfn_lint empty reason",
        ),
        pytest.param(
            """\
            hooks:
              before_create:
                - !upload_lambda_package {package: app, bucket: b, python: 3.10}
            """,
            ["not 3.1 (YAML reads an unquoted 3.10 as the number 3.1: write '3.10')"],
            id="python 3.10 unquoted",
        ),
        pytest.param(
            """\
            hooks:
              before_create:
                - !upload_lambda_package {package: app, bucket: b, pyhton: "3.12"}
            """,
            ["unknown key `pyhton` (the keys are package, bucket, python, architecture)"],
            id="misspelt key",
        ),
        pytest.param(
            """\
            hooks:
              after_create:
                - !accept_vpc_peering {parameter: "/x/{environment}", unpublish: true}
            """,
            ["!accept_vpc_peering belongs under before_delete, not under `after_create`"],
            id="unpublish after create",
        ),
        pytest.param(
            """\
            hooks:
              before_update:
                - !push_lambda_image {context: lambda/app, repository: r, platform: windows}
            """,
            ["`platform` takes linux/amd64 or linux/arm64, not 'windows'"],
            id="push platform",
        ),
        pytest.param(
            """\
            hooks:
              before_update:
                - !upload_migrations {bucket: 7}
            """,
            ["`bucket` takes a bucket name, or a resolver giving one, not 7"],
            id="bucket a number",
        ),
        pytest.param(
            """\
            parameters:
              Code: !lambda_package_key {package: app, python: 3.9}
            """,
            ["!lambda_package_key: `python` takes a Lambda Python version", "not 3.9"],
            id="lambda_package_key python",
        ),
        pytest.param(
            """\
            parameters:
              Tag: !lambda_image_tag a b
            """,
            ["!lambda_image_tag: `context` takes a folder relative to the Sceptre project"],
            id="lambda_image_tag folder",
        ),
        pytest.param(
            """\
            parameters:
              Key: !migrations_key 7
            """,
            ["!migrations_key takes an optional directory"],
            id="migrations_key number",
        ),
    ],
)
def test_plan_time_mistakes_are_one_message(tmp_path, stack, fragments):
    assert_one_message(
        sceptre(project_with(tmp_path, stack), "generate", "dev/app.yaml"), *fragments
    )


# --- at run time, on the local AWS -----------------------------------------------------------


@pytest.fixture
def code() -> str:
    return f"ue{uuid.uuid4().hex[:8]}"


def test_a_uv_that_is_not_an_executable_is_one_message(local_aws_env, tmp_path, monkeypatch, code):
    monkeypatch.setenv("UV", "/bad/path")
    stack = """\
        parameters:
          Code: !lambda_package_key some-member
        """
    run = sceptre(project_with(tmp_path, stack, code), "launch", "-y", "dev/app.yaml")
    assert_one_message(run, "!lambda_package_key: UV='/bad/path' is not an executable uv")


@pytest.mark.parametrize(
    ("outputs", "argument", "fragment"),
    [
        pytest.param(
            {"Name": "x"}, "[BucktName]", "the stack has no output BucktName", id="missing output"
        ),
        pytest.param(
            {"BucketName": "vpc-123"},
            "[BucketName]",
            "BucketName = 'vpc-123' is not an AWS::S3::Bucket of this stack",
            id="not a bucket",
        ),
    ],
)
def test_empty_buckets_refusals_stop_the_delete_with_one_message(
    local_aws_env, tmp_path, quick_polls, code, outputs, argument, fragment
):
    stack = f"""\
        hooks:
          before_delete:
            - !empty_buckets {argument}
        """
    project = project_with(tmp_path, stack, code, outputs)
    assert sceptre(project, "launch", "-y", "dev/app.yaml").exit_code == 0
    assert_one_message(sceptre(project, "delete", "-y", "dev/app.yaml"), fragment)
    cloudformation = local_aws_env.client("cloudformation")
    assert cloudformation.describe_stacks(StackName=f"{code}-dev-app")["Stacks"]  # still there


def test_a_malformed_peering_id_is_one_message(local_aws_env, tmp_path, quick_polls, code):
    stack = """\
        stack_tags: {}
        hooks:
          after_create:
            - !accept_vpc_peering {outputs: [PeeringId]}
        """
    project = project_with(tmp_path, stack, code, {"PeeringId": "pcx-1"})
    run = sceptre(project, "launch", "-y", "dev/app.yaml")
    assert_one_message(run, "PeeringId = 'pcx-1' is not a VPC peering connection id")


def test_a_missing_alarm_is_one_message_before_any_stack_action(
    local_aws_env, tmp_path, quick_polls, code
):
    stack = f"""\
        hooks:
          before_create:
            - &t !rollback_triggers ['{ALARM}']
          after_create: [*t]
        """
    run = sceptre(project_with(tmp_path, stack, code), "launch", "-y", "dev/app.yaml")
    assert_one_message(run, "rollback trigger alarm(s) do not exist", ALARM)
    stacks = local_aws_env.client("cloudformation").describe_stacks()["Stacks"]
    assert f"{code}-dev-app" not in {s["StackName"] for s in stacks}
