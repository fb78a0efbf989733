"""What Sceptre builds from config/: tags, deploy roles and parameters of every stack."""

import pytest
from tapstack_hooks.cfn_lint import CfnLint
from tapstack_tools.deployment import ALL_GROUPS, GROUPS, stacks_of

ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
TAG_KEYS = {"Project", "Environment", "Owner", "CostCenter", "ManagedBy"}


@pytest.mark.parametrize("group", GROUPS)
def test_every_stack_is_tagged_and_assumes_its_accounts_deploy_role(group):
    environment = group.split("/")[0]
    stacks = stacks_of(group)
    assert {stack.name.rsplit("/", 1)[1] for stack in stacks} >= {"kms", "network", "storage"}
    for stack in stacks:
        assert set(stack.tags) == TAG_KEYS, stack.name
        assert stack.tags["Environment"] == environment
        assert stack.tags["Project"] == "tapstack"
        assert stack.sceptre_role == (
            f"arn:aws:iam::{ACCOUNTS[environment]}:role/tapstack-deploy-{environment}"
        )
        assert stack.config["parameters"]["EnvironmentName"] == environment
        assert stack.config["parameters"]["EnvironmentSuffix"] == "main"
        assert stack.external_name == f"tapstack-{stack.name.replace('/', '-')}"


POLICY_RULES = ["policy_rules/tapstack_policy_rules"]


@pytest.mark.parametrize("group", ALL_GROUPS)
def test_every_stack_is_linted_with_the_policy_rules_before_anything_else(group):
    # A template is sent only after cfn-lint and the project's rules pass: the first hook
    # before a create and before an update, so no image is pushed for a template that fails.
    stacks = stacks_of(group)
    assert stacks, group
    for stack in stacks:
        for point in ("before_create", "before_update"):
            hooks = stack.hooks.get(point) or []
            assert hooks and isinstance(hooks[0], CfnLint), (stack.name, point, hooks)
            assert hooks[0].argument == {"rules": POLICY_RULES}, (stack.name, point)


def test_network_parameters_come_from_the_address_plan():
    expected = {
        "dev": ("10.1.0.0/16", "2"),
        "staging": ("10.2.0.0/16", "2"),
        "prod": ("10.3.0.0/16", "3"),
    }
    for group in GROUPS:
        (network,) = [s for s in stacks_of(group) if s.name.endswith("/network")]
        parameters = network.config["parameters"]
        assert (parameters["VpcCidr"], parameters["AzCount"]) == expected[group.split("/")[0]]


@pytest.mark.parametrize("group", GROUPS)
def test_migrations_follow_their_inputs_and_take_the_one_allowlist(group):
    (migrations,) = [s for s in stacks_of(group) if s.name.endswith("/migrations")]
    # The one stack that waits for the instances: the schema is applied to the writer.
    assert sorted(d.name for d in migrations.dependencies) == [
        f"{group}/{stack}" for stack in ("cluster", "database", "endpoints", "storage", "users")
    ]
    allowlist = migrations.stack_group_config["sync_allowlist"]
    assert allowlist == ["currencies", "fee_schedules", "merchant_categories"]
    assert migrations.config["parameters"]["SyncTables"] == ",".join(allowlist)
    hooks = migrations.config["hooks"]
    for point in ("before_create", "before_update"):
        names = [type(hook).__name__ for hook in hooks[point]]
        assert names == ["CfnLint", "UploadMigrations"]


@pytest.mark.parametrize("group", GROUPS)
def test_users_wait_for_the_cluster_not_for_its_instances(group):
    (users,) = [s for s in stacks_of(group) if s.name.endswith("/users")]
    # prod's also reads eu-west-1's key: the replicas' key (rotation re-encrypts under it)
    replica_key = ["prod/eu-west-1/kms"] if group == "prod/us-east-1" else []
    assert sorted(d.name for d in users.dependencies) == replica_key + [
        f"{group}/{stack}" for stack in ("cluster", "kms", "network", "registry")
    ]
    hooks = users.config["hooks"]
    for point in ("before_create", "before_update"):
        names = [type(hook).__name__ for hook in hooks[point]]
        assert names == ["CfnLint", "PushLambdaImage", "PushLambdaImage"]
