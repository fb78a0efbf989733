"""The deploy role's name is written once (tapstack_environment.conventions.DEPLOY_ROLE): the
role the iam stack creates is the role `!deploy_role` makes Sceptre assume, and renaming it
renames both."""

import json

import pytest
from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan
from tapstack_environment import conventions
from tapstack_tools.rendered_templates import PROJECT_DIR

GROUPS = ["dev/us-east-1", "staging/us-east-1", "prod/us-east-1"]


def created_and_assumed(group: str) -> tuple[str, str]:
    """(the role name the group's iam stack renders, the role name of its `sceptre_role`)."""
    context = SceptreContext(
        project_path=str(PROJECT_DIR), command_path=f"{group}/iam.yaml", ignore_dependencies=True
    )
    (stack,) = SceptrePlan(context).command_stacks
    body = json.loads(stack.template.body.removeprefix("---\n"))
    pattern = body["Resources"]["DeployRole"]["Properties"]["RoleName"]["Fn::Sub"]
    created = pattern.replace("${EnvironmentName}", stack.parameters["EnvironmentName"])
    return created, stack.sceptre_role.rsplit(":role/", 1)[1]


@pytest.mark.parametrize("group", GROUPS)
def test_the_iam_stack_creates_the_role_sceptre_assumes(group):
    created, assumed = created_and_assumed(group)
    assert created == assumed == f"tapstack-deploy-{group.split('/')[0]}"


def test_renaming_the_one_source_renames_both(monkeypatch):
    monkeypatch.setattr(conventions, "DEPLOY_ROLE", "acme-deployer")
    assert created_and_assumed("staging/us-east-1") == ("acme-deployer-staging",) * 2
