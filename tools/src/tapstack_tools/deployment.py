"""Drive `sceptre` over stack groups and read back what they deployed.

Shared by the demo (`make demo`), `make up`, the end-to-end tests and the benches. Every command
is one of the README's (the constants below; tests/test_readme_commands.py keeps the two
together) and goes through the real `sceptre` CLI with every environment's deployer profile
available (tapstack_tools.deployers), as an operator of the whole estate runs it; read-backs go
through
Sceptre's own connection manager, so they assume each group's deploy role exactly as a launch
does, as that environment's deployer. Each run records what the command wrote to CloudFormation
and which roles it assumed, from the local AWS's journals (docs/emulator.md).
"""

from tapstack_tools.deploy_summary import KEY_OUTPUTS, format_summary
from tapstack_tools.image_publishing import (
    REPOSITORY_OUTPUT_SUFFIX,
    VALIDATOR_CONTEXT,
    function_context,
    publish_image,
    publish_images,
    registry_outputs,
)
from tapstack_tools.paths import PROJECT_DIR
from tapstack_tools.peering_states import PeeringState, format_peering, peering_states
from tapstack_tools.sceptre_commands import (
    ALL_GROUPS,
    BOOTSTRAP_COMMANDS,
    ENVIRONMENTS,
    ESTATE_DELETE,
    ESTATE_DIFF,
    ESTATE_LAUNCH,
    GROUP_BY_GROUP,
    GROUPS,
    REGISTRY_LAUNCH,
    SCEPTRE,
    SECOND_REGION_GROUPS,
    TEARDOWN_BY_ENVIRONMENT,
    group_diff,
    group_launch,
    registry_launch,
)
from tapstack_tools.sceptre_runs import (
    JOURNALS,
    SceptreRun,
    forget_connections,
    journal,
    run_sceptre,
    run_tapstack_launch,
)
from tapstack_tools.stack_reads import (
    StackState,
    estate_batches,
    group_state,
    launch_order,
    stacks_of,
)

__all__ = [
    "ALL_GROUPS",
    "BOOTSTRAP_COMMANDS",
    "ENVIRONMENTS",
    "ESTATE_DELETE",
    "ESTATE_DIFF",
    "ESTATE_LAUNCH",
    "GROUPS",
    "GROUP_BY_GROUP",
    "JOURNALS",
    "KEY_OUTPUTS",
    "PROJECT_DIR",
    "REGISTRY_LAUNCH",
    "REPOSITORY_OUTPUT_SUFFIX",
    "SCEPTRE",
    "SECOND_REGION_GROUPS",
    "TEARDOWN_BY_ENVIRONMENT",
    "VALIDATOR_CONTEXT",
    "PeeringState",
    "SceptreRun",
    "StackState",
    "estate_batches",
    "forget_connections",
    "format_peering",
    "format_summary",
    "function_context",
    "group_diff",
    "group_launch",
    "group_state",
    "journal",
    "launch_order",
    "peering_states",
    "publish_image",
    "publish_images",
    "registry_launch",
    "registry_outputs",
    "run_sceptre",
    "run_tapstack_launch",
    "stacks_of",
]
