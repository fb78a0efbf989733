"""The README's commands are the ones `make up`, `make demo`, the e2e tests and the benches run
(tapstack_tools.deployment), and those are all in the README: neither side can drift alone."""

import re
import shlex

from tapstack_tools.deployment import (
    ALL_GROUPS,
    BOOTSTRAP_COMMANDS,
    ESTATE_DELETE,
    ESTATE_DIFF,
    ESTATE_LAUNCH,
    GROUP_BY_GROUP,
    PROJECT_DIR,
    TEARDOWN_BY_ENVIRONMENT,
    group_diff,
    group_launch,
    registry_launch,
)

COMMAND = re.compile(
    r"\bsceptre ((?:--var \S+ )*(?:launch|diff|delete) (?:-y )?(?:''|\.|(?:dev|staging|prod|global)"
    r"[\w./-]*))"
)
# Shown in the README as an example only: a parallel copy of a group.
EXAMPLES = {("--var", "environment_suffix=pr42", "launch", "-y", "dev/us-east-1")}


def readme_commands() -> set[tuple[str, ...]]:
    """Every `sceptre …` launch, diff or delete the README gives, as argument tuples."""
    text = " ".join((PROJECT_DIR / "README.md").read_text(encoding="utf-8").split())
    return {tuple(shlex.split(match)) for match in COMMAND.findall(text)}


def run_commands() -> set[tuple[str, ...]]:
    """Every command tapstack_tools.deployment gives `make up`, the demo, the e2e and the
    benches."""
    return {
        ESTATE_LAUNCH,
        ESTATE_DIFF,
        ESTATE_DELETE,
        *BOOTSTRAP_COMMANDS.values(),
        *(group_launch(group) for group in GROUP_BY_GROUP),
        group_diff("staging/us-east-1"),  # the e2e's one group diff
        *TEARDOWN_BY_ENVIRONMENT,
    }


def test_every_command_the_code_runs_is_in_the_readme():
    assert run_commands() - readme_commands() == set()
    # the registries: the README shows one and says "one per group", the code runs each
    assert registry_launch("prod/us-east-1") in readme_commands()


def test_every_command_in_the_readme_is_one_the_code_runs():
    extra = readme_commands() - run_commands() - EXAMPLES
    extra -= {registry_launch(group) for group in ALL_GROUPS}
    assert extra == set()


def test_the_readme_never_asks_for_the_removed_variables_or_the_dot_path():
    text = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    assert "peering=off" not in text
    assert "region_peering" not in text
    assert ("launch", "-y", ".") not in readme_commands()
