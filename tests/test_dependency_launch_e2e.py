"""End to end on the local AWS: `tapstack-launch -y dev/us-east-1`
(tapstack_tools.dependency_launch) brings one group up from its bootstrap, every stack
CREATE_COMPLETE, and `sceptre diff` then finds nothing to change. One group only, with only its
own setup (dev's bootstrap, registry and images), to keep it cheap.
"""

import pytest
from tapstack_tools.deployment import (
    BOOTSTRAP_COMMANDS,
    group_diff,
    group_state,
    publish_images,
    registry_launch,
    run_sceptre,
    run_tapstack_launch,
)

pytestmark = pytest.mark.e2e

GROUP = "dev/us-east-1"


def test_launching_dev_following_dependencies_leaves_nothing_to_change(local_aws_env):
    # The cheapest setup of one group: dev's bootstrap, its registry and images (local_setup
    # does every account's and group's).
    for command in (BOOTSTRAP_COMMANDS["dev"], registry_launch(GROUP)):
        run = run_sceptre(*command)
        assert run.returncode == 0, run.output[-4000:]
    publish_images(GROUP)
    before = {s.name for s in group_state(GROUP) if s.status != "NOT_DEPLOYED"}
    assert before == {f"{GROUP}/{name}" for name in ("iam", "kms", "registry")}
    launch = run_tapstack_launch("-y", GROUP)
    assert launch.returncode == 0, launch.output[-6000:]
    states = group_state(GROUP)
    assert {s.status for s in states} == {"CREATE_COMPLETE"}, states
    assert all(f"complete  {s.name}" in launch.output for s in states), launch.output[-6000:]
    created = {w["stack"] for w in launch.writes if w["action"] == "CreateStack"}
    assert len(created) == len(states) - len(before)
    diff = run_sceptre(*group_diff(GROUP))
    assert diff.returncode == 0, diff.output[-4000:]
    assert diff.output.count("No difference to deployed") == len(states), diff.output[-4000:]
