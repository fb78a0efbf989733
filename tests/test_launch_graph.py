"""The stack graph Sceptre builds from config/, before any AWS call: one environment's command
plans only that environment's stacks (launch, diff, delete); the whole estate's command orders
both sides of each peering around its requester, with no `--var`; deleting an accepter group
starts with its peering side, alone; docs/architecture.md's launch order is this graph; and
a command path Sceptre 4.7 mis-builds is refused with one clear message."""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sceptre.context import SceptreContext
from sceptre.exceptions import InvalidConfigFileError
from sceptre.plan.plan import SceptrePlan
from tapstack_tools.deployment import ALL_GROUPS, PROJECT_DIR, estate_batches
from tapstack_tools.launch_order import DOCUMENT, embedded, environment_of, table
from tapstack_tools.project_copy import copy_project

ACCEPTERS = ("staging/us-east-1", "dev/us-east-1")


def planned(command_path: str, command: str = "launch", project: Path = PROJECT_DIR) -> list:
    """The batches of stacks Sceptre would run for `sceptre COMMAND PATH` (delete reads the
    whole tree and runs in reverse, as its CLI does)."""
    delete = command == "delete"
    context = SceptreContext(project_path=str(project), command_path=command_path, full_scan=delete)
    plan = SceptrePlan(context)
    plan.resolve(command, reverse=delete)
    return [sorted(stack.name for stack in batch) for batch in plan.launch_order]


def foreign(batches: list, environment: str) -> list[str]:
    """The planned stacks of another environment than `environment`."""
    return [name for batch in batches for name in batch if environment_of(name) != environment]


def position(batches: list, name: str) -> int:
    (index,) = [number for number, batch in enumerate(batches) if name in batch]
    return index


@pytest.mark.parametrize("command", ["launch", "diff", "delete"])
@pytest.mark.parametrize("group", ALL_GROUPS)
def test_each_environments_command_plans_only_its_own_stacks(group, command):
    assert foreign(planned(group, command), environment_of(group)) == []


def test_a_cross_environment_edge_in_a_group_command_is_caught(tmp_path):
    # GIVEN a copy where staging's network depends on a prod stack in every command
    copy_project(tmp_path)
    network = tmp_path / "config/staging/us-east-1/network.yaml"
    network.write_text(network.read_text() + "dependencies:\n  - prod/us-east-1/kms.yaml\n")
    # THEN staging's launch plans prod's stacks, and the check above names them
    found = foreign(planned("staging/us-east-1", project=tmp_path), "staging")
    assert found == ["prod/us-east-1/iam", "prod/us-east-1/kms"]


def test_the_whole_estate_orders_each_peering_between_its_two_sides():
    batches = [[stack.name for stack in batch] for batch in estate_batches()]
    assert batches == planned("")
    for accepter in ACCEPTERS:
        network = position(batches, f"{accepter}/network")
        requester = position(batches, "prod/us-east-1/peering")
        accepter_side = position(batches, f"{accepter}/peering-accepter")
        assert network < requester < accepter_side, accepter
        # the sync reads the targets' database endpoints: after their database stacks
        assert position(batches, f"{accepter}/database") < position(batches, "prod/us-east-1/sync")
    assert position(batches, "prod/eu-west-1/peering") < position(
        batches, "prod/us-east-1/peering-accepter"
    )


@pytest.mark.parametrize("group", ACCEPTERS)
def test_deleting_an_accepter_group_starts_with_its_peering_side_alone(group):
    # Its before_delete check then refuses before anything else of the group is deleted.
    assert planned(group, "delete")[0] == [f"{group}/peering-accepter"]
    context = SceptreContext(project_path=str(PROJECT_DIR), command_path=group)
    (accepter,) = [s for s in SceptrePlan(context).command_stacks if s.name.endswith("accepter")]
    hooks = [type(hook).__name__ for hook in accepter.hooks["before_delete"]]
    assert hooks == ["RefuseDeleteWhilePeered"]


def test_the_whole_estates_delete_takes_the_accepters_sides_before_prods_peering():
    batches = planned("", "delete")
    for accepter in ACCEPTERS:
        assert position(batches, f"{accepter}/peering-accepter") < position(
            batches, "prod/us-east-1/peering"
        )
        assert position(batches, "prod/us-east-1/peering") < position(
            batches, f"{accepter}/network"
        )
    # the estate's own order makes the refusal unneeded there
    context = SceptreContext(project_path=str(PROJECT_DIR), command_path="")
    plan = SceptrePlan(context)
    for stack in plan.command_stacks:
        if stack.name.endswith("/peering-accepter"):
            assert not (stack.hooks or {}).get("before_delete"), stack.name


def test_no_config_reads_a_variable_but_the_bootstrap_and_the_suffix():
    read = {
        match
        for path in (PROJECT_DIR / "config").rglob("*.yaml")
        for match in re.findall(r"\bvar\.(\w+)", path.read_text(encoding="utf-8"))
    }
    assert read == {"bootstrap", "environment_suffix"}


def test_the_documented_launch_order_is_sceptres_graph():
    document = DOCUMENT.read_text(encoding="utf-8")
    assert embedded(document) == table(), "run: uv run tapstack-launch-order --write"


@pytest.mark.parametrize("path", [".", "prod/.", "./dev"])
def test_a_command_path_sceptre_mis_builds_is_refused_naming_it(path):
    with pytest.raises(InvalidConfigFileError) as refused:
        SceptrePlan(SceptreContext(project_path=str(PROJECT_DIR), command_path=path))
    message = str(refused.value)
    assert f"command path {path!r}: Sceptre 4.7 builds a wrong stack graph" in message
    assert "`sceptre launch -y ''`" in message


MINIMAL_PROJECT = {
    "config/config.yaml": "project_code: repro\nregion: us-east-1\n",
    "config/a.yaml": "template:\n  path: topic.yaml\n",
    "config/b.yaml": "template:\n  path: topic.yaml\ndependencies: [a.yaml]\n",
    "templates/topic.yaml": "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
}
PLAN_SCRIPT = textwrap.dedent(
    """
    import sys
    from sceptre.context import SceptreContext
    from sceptre.plan.plan import SceptrePlan
    plan = SceptrePlan(SceptreContext(project_path=sys.argv[1], command_path=sys.argv[2]))
    try:
        plan.resolve("launch")
    except Exception as err:
        print(type(err).__name__)
    else:
        print("ok")
    """
)


def test_sceptre_4_7_still_mis_builds_a_dot_path_the_whole_tree_path_never(tmp_path):
    # docs/sceptre-dot-path.md: two stacks, b after a. With `.` the dependency is read twice
    # (as config/./a.yaml and config/a.yaml) and which copy lands in the graph depends on
    # string hashing: PYTHONHASHSEED decides. When a Sceptre upgrade fixes this, the guard in
    # tapstack_environment.deploy_role can go.
    for relative, text in MINIMAL_PROJECT.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)

    def outcomes(path: str) -> set[str]:
        return {
            subprocess.run(  # noqa: S603 - this interpreter, fixed script
                [sys.executable, "-c", PLAN_SCRIPT, str(tmp_path), path],
                capture_output=True,
                text=True,
                env={"PYTHONHASHSEED": str(seed)},
                check=True,
            ).stdout.strip()
            for seed in range(6)
        }

    assert "NetworkXError" in outcomes(".")
    assert outcomes("") == {"ok"}
