"""Wrong input, as a user meets it: the `sceptre` command ends with one message naming the stack
and the problem, never a traceback. Plan-time cases run `sceptre generate`; run-time cases run
`launch` on the local AWS."""

import textwrap
import uuid

import pytest
from tapstack_tools.sceptre_scratch import sceptre, write_project

CONFIG = """\
project_code: {code}
region: us-east-1
deploy_role_name: tapstack-deploy
accounts:
  dev: "111111111111"
  staging: "222222222222"
"""


def project_with(tmp_path, parameters: str, code: str = "usererrors"):
    """A project whose stack `dev/app.yaml` has `parameters` (YAML) over a one-topic template."""
    return write_project(
        tmp_path,
        {
            "config/config.yaml": CONFIG.format(code=code),
            "config/dev/app.yaml": "template:\n  path: app.json\nparameters:\n"
            + textwrap.indent(textwrap.dedent(parameters), "  "),
            "templates/app.json": '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}',
        },
    )


def assert_one_message(run, *fragments: str) -> None:
    assert run.clean, run.output  # no traceback
    assert run.exit_code == 1, run.output
    assert "Traceback" not in run.output
    for fragment in fragments:
        assert fragment in run.output, run.output


@pytest.mark.parametrize(
    ("parameters", "fragments"),
    [
        pytest.param(
            "Vpc: !stack_output_cross_account {account: staging, stack_name: x, output: VpcId, "
            "profile: p}",
            ["dev/app - !stack_output_cross_account: unknown key `profile`"],
            id="unknown key",
        ),
        pytest.param(
            "Vpc: !stack_output_cross_account {account: staging, stack: a, stack_name: b, "
            "output: VpcId}",
            ["needs exactly one of `stack`", "or `stack_name`"],
            id="stack and stack_name",
        ),
        pytest.param(
            "Vpc: !stack_output_cross_account staging/network",
            ["!stack_output_cross_account: the argument must be a mapping"],
            id="short form without output",
        ),
        pytest.param(
            "Role: !account_role dev/bad role",
            ["!account_role: `role` takes a role name prefix"],
            id="role with a space",
        ),
        pytest.param(
            "Image: !ecr_image_digest app:bad tag",
            ["!ecr_image_digest: `tag` takes an image tag"],
            id="tag with a space",
        ),
        pytest.param(
            "Peering: !ssm_parameter no-leading-slash",
            ["!ssm_parameter: `name` takes a parameter name starting with /"],
            id="parameter name",
        ),
        pytest.param(
            "S3: !managed_prefix_list {service: s3, region: mars}",
            ["!managed_prefix_list: `region` takes an AWS region name"],
            id="region",
        ),
    ],
)
def test_plan_time_mistakes_are_one_message(tmp_path, parameters, fragments):
    run = sceptre(project_with(tmp_path, parameters), "generate", "dev/app.yaml")
    assert_one_message(run, *fragments)


def test_another_projects_stack_by_the_short_form_names_the_project_code(local_aws_env, tmp_path):
    # The other team's project_code builds the name: the message says so, not only "launch it".
    code = f"ue{uuid.uuid4().hex[:8]}"
    parameters = "Vpc: !stack_output_cross_account staging/us-east-1/network::VpcId\n"
    run = sceptre(project_with(tmp_path, parameters, code), "launch", "-y", "dev/app.yaml")
    assert_one_message(
        run,
        f"stack {code}-staging-us-east-1-network in account 222222222222 (staging)",
        f"named from this project's project_code '{code}'",
        "needs its `project_code:` or the exact `stack_name:`",
    )


def test_a_missing_ssm_parameter_is_one_message(local_aws_env, tmp_path):
    name = f"/usererrors/{uuid.uuid4().hex[:8]}/peering"
    run = sceptre(
        project_with(tmp_path, f"Peering: !ssm_parameter {name}\n"), "launch", "-y", "dev"
    )
    assert_one_message(run, f"!ssm_parameter: {name} does not exist in this account")
