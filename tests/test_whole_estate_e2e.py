"""End to end on the local AWS, the README's commands over the whole estate: one launch brings it
up in Sceptre's graph order (the `estate` fixture, tests/conftest.py); every launch again changes
nothing and `sceptre diff` is clean; each environment's command writes and assumes only in its
own environment (every CloudFormation write and AssumeRole recorded, tapstack_tools.blast_radius);
every
call a deploy role makes, from the images' publication to the last delete, is allowed by its
deployed policies (the local AWS's call journal, tapstack_tools.deploy_role_calls); an accepter
group's delete refuses while prod peers with it and, once prod's peering is gone,
deletes only its own stacks; then the rest goes.

The last module of the e2e suite: it tears the estate down.
"""

import pytest
from tapstack_tools.aws_accounts import account_session, accounts
from tapstack_tools.blast_radius import violations
from tapstack_tools.deploy_role_calls import deploy_role_calls, deployed_policies, refused
from tapstack_tools.deployment import (
    ALL_GROUPS,
    ESTATE_DIFF,
    ESTATE_LAUNCH,
    TEARDOWN_BY_ENVIRONMENT,
    SceptreRun,
    estate_batches,
    group_diff,
    group_launch,
    group_state,
    run_sceptre,
    run_tapstack_launch,
)
from tapstack_tools.project_copy import copy_project

pytestmark = pytest.mark.e2e

ALL_STACKS = [stack.name for batch in estate_batches() for stack in batch]
# Created before `sceptre launch -y ''` by the bootstrap (iam) and by make up's images (each
# group's registry, after its kms): the launch updates them (no-op).
MADE_BEFORE = {f"{env}/us-east-1/iam" for env in ("dev", "staging", "prod")} | {
    f"{group}/{stack}" for group in ALL_GROUPS if group != "global" for stack in ("kms", "registry")
}


@pytest.fixture(autouse=True)
def _aws_environment(local_aws_env):
    """sceptre, Sceptre's connection manager and boto3 all reach the local AWS."""


@pytest.fixture(scope="module")
def deploy_role_policies(estate, local_aws) -> dict[str, list[dict]]:
    """Each deploy role's policy documents as deployed (read back from the local AWS's IAM
    once, before anything is deleted)."""
    with pytest.MonkeyPatch.context() as patch:  # module scope: the autouse patch is not active
        for name, value in local_aws.env().items():
            patch.setenv(name, value)
        return {
            environment: deployed_policies(
                account_session(environment).client("iam"), f"tapstack-deploy-{environment}"
            )
            for environment in accounts()
        }


def assert_deploy_roles_allowed(calls, policies: dict[str, list[dict]]) -> list[dict]:
    """Every call of `calls` a deploy role made is allowed by its deployed policies; those."""
    made = deploy_role_calls(calls)
    assert made, "no call of a deploy role was journaled"
    assert refused(made, policies.__getitem__) == []
    return made


def external(name: str) -> str:
    return f"tapstack-{name.replace('/', '-')}"


def environment_of(group: str) -> str:
    return "prod" if group == "global" else group.split("/")[0]


def writes_of(run: SceptreRun, action: str) -> list[str]:
    return [entry["stack"] for entry in run.writes if entry["action"] == action]


def assert_no_updates(run: SceptreRun) -> None:
    assert run.returncode == 0, run.output[-4000:]
    launched = run.output.count("Launching Stack")
    assert launched and run.output.count("No updates to perform") == launched, run.output[-4000:]
    assert {entry["action"] for entry in run.writes} == {"UpdateStack"}, run.writes


def test_one_command_created_every_stack_once_in_its_own_account(estate):
    launch = estate.launch
    created = writes_of(launch, "CreateStack")
    assert sorted(created) == sorted(external(s) for s in ALL_STACKS if s not in MADE_BEFORE)
    assert sorted(writes_of(launch, "UpdateStack")) == sorted(external(s) for s in MADE_BEFORE)
    for entry in launch.writes:
        name = entry["stack"].removeprefix("tapstack-")
        environment = "prod" if name.startswith("global-") else name.split("-")[0]
        assert entry["account"] == accounts()[environment], entry
    assert all(entry["admitted"] for entry in launch.assumed), launch.assumed


def test_every_call_the_deploy_roles_made_to_bring_the_estate_up_is_allowed(
    estate, deploy_role_policies
):
    # GIVEN every call journaled while the images were published (as CI would, with each
    # deploy role's credentials) and while `sceptre launch -y ''` ran; THEN each deploy role's
    # generated policies allow every one, and the launch used what the list grants for it
    made = assert_deploy_roles_allowed(
        estate.publication_calls + estate.launch.calls, deploy_role_policies
    )
    actions = {(c["caller"].rsplit("-", 1)[1], c["service"], c["action"]) for c in made}
    for environment in accounts():
        assert (environment, "cloudformation", "CreateStack") in actions, environment
        assert (environment, "ecr", "PutImage") in actions, environment
    assert ("staging", "ssm", "GetParameter") in actions  # its accepter reads prod's peering id
    # and no deploy role holds an AWS-managed policy (PowerUserAccess was NotAction: iam/...)
    for documents in deploy_role_policies.values():
        statements = [s for d in documents for s in d["Statement"]]
        assert not any("NotAction" in s and s["Effect"] == "Allow" for s in statements)


def test_the_graph_ordered_the_cycle_prods_peering_between_the_accepters_two_sides(estate):
    created = writes_of(estate.launch, "CreateStack")
    for peer in ("staging", "dev"):
        network = created.index(external(f"{peer}/us-east-1/network"))
        requester = created.index(external("prod/us-east-1/peering"))
        accepter = created.index(external(f"{peer}/us-east-1/peering-accepter"))
        assert network < requester < accepter, peer
        (state,) = [s for s in group_state(f"{peer}/us-east-1") if s.name.endswith("-accepter")]
        assert state.outputs["AcceptedPeeringConnectionId"].startswith("pcx-"), state


@pytest.mark.parametrize("group", ALL_GROUPS)
def test_each_groups_launch_changes_nothing_and_stays_in_its_environment(
    estate, group, deploy_role_policies
):
    run = run_sceptre(*group_launch(group))
    assert_no_updates(run)
    assert_deploy_roles_allowed(run.calls, deploy_role_policies)
    environment = environment_of(group)
    assert violations(run, environment, accounts()) == []
    deploy_roles = {
        f"arn:aws:iam::{accounts()[env]}:role/tapstack-deploy-{env}" for env in accounts()
    }
    own = f"arn:aws:iam::{accounts()[environment]}:role/tapstack-deploy-{environment}"
    assert set(run.assumed_roles) & deploy_roles == {own}, run.assumed_roles
    if group == "prod/us-east-1":  # it reads staging's and dev's facts through their accepter
        for peer in ("staging", "dev"):  # roles: the one role each keeps for prod
            accepter = f"arn:aws:iam::{accounts()[peer]}:role/tapstack-peering-accepter-{peer}"
            assert accepter in run.assumed_roles


def test_the_whole_estate_launch_again_changes_nothing(estate, deploy_role_policies):
    run = run_sceptre(*ESTATE_LAUNCH)
    assert_no_updates(run)
    assert_deploy_roles_allowed(run.calls, deploy_role_policies)
    assert run.output.count("No updates to perform") == len(ALL_STACKS)


def test_the_whole_estate_launched_following_dependencies_changes_nothing(
    estate, deploy_role_policies
):
    # tapstack-launch (tapstack_tools.dependency_launch): the same plan as `sceptre launch -y ''`
    # and Sceptre's own launch of each stack, hooks included, each started as soon as the
    # stacks it depends on are complete (its scheduling: tests/test_dependency_launch.py; a
    # whole-estate creation with it: bench/launch_bench.py)
    run = run_tapstack_launch("-y", "")
    assert_no_updates(run)
    assert_deploy_roles_allowed(run.calls, deploy_role_policies)
    for name in ALL_STACKS:
        assert f"complete  {name}" in run.output, name


def test_diff_reports_no_difference(estate, deploy_role_policies):
    run = run_sceptre(*ESTATE_DIFF)
    assert run.returncode == 0, run.output[-4000:]
    assert_deploy_roles_allowed(run.calls, deploy_role_policies)
    for name in ALL_STACKS:
        assert f"No difference to deployed stack {external(name)}" in run.output, name
    assert run.writes == ()
    staging = run_sceptre(*group_diff("staging/us-east-1"))
    assert staging.output.count("No difference to deployed stack") == len(
        [name for name in ALL_STACKS if name.startswith("staging/")]
    ), staging.output[-4000:]
    assert violations(staging, "staging", accounts()) == []


def test_a_staging_command_that_touches_prod_is_caught(estate, tmp_path):
    # GIVEN a copy of the project where staging's network wrongly depends on a prod stack
    project = copy_project(tmp_path / "project")  # with policy_rules: every stack lints with them
    network = project / "config/staging/us-east-1/network.yaml"
    network.write_text(
        network.read_text(encoding="utf-8") + "dependencies:\n  - prod/us-east-1/kms.yaml\n",
        encoding="utf-8",
    )
    # WHEN staging's network is launched THEN the journals show it reached into prod
    run = run_sceptre("launch", "-y", "staging/us-east-1/network.yaml", project_dir=project)
    found = violations(run, "staging", accounts())
    assert any("tapstack-prod-us-east-1-kms in prod's account" in line for line in found), found
    assert any("role/tapstack-deploy-prod (prod's account)" in line for line in found), found


def test_an_accepter_groups_delete_refuses_while_prod_peers_and_deletes_nothing(
    estate, deploy_role_policies
):
    run = run_sceptre(*TEARDOWN_BY_ENVIRONMENT[1])  # staging's group, before prod's peering
    assert run.returncode != 0
    assert_deploy_roles_allowed(run.calls, deploy_role_policies)
    assert "staging/us-east-1/peering-accepter: not deleted: prod/us-east-1/peering still " in (
        run.output
    )
    assert "`sceptre delete -y prod/us-east-1/peering.yaml`" in run.output
    assert run.writes == (), run.writes
    assert violations(run, "staging", accounts()) == []
    assert {s.status for s in group_state("staging/us-east-1")} == {"CREATE_COMPLETE"}


def test_prods_peering_goes_first_writing_in_prod_only(estate, deploy_role_policies):
    run = run_sceptre(*TEARDOWN_BY_ENVIRONMENT[0])
    assert run.returncode == 0, run.output[-4000:]
    assert_deploy_roles_allowed(run.calls, deploy_role_policies)
    assert sorted(writes_of(run, "DeleteStack")) == sorted(
        external(f"prod/us-east-1/{s}") for s in ("peering", "sync")
    )
    assert violations(run, "prod", accounts()) == []
    for peer in ("staging", "dev"):  # its before_delete took the ids it had published there
        ssm = account_session(peer).client("ssm")
        with pytest.raises(ssm.exceptions.ParameterNotFound):
            ssm.get_parameter(Name=f"/tapstack/{peer}/main/peering/prod-us-east-1-connection-id")


def outputs_of(group: str) -> dict[str, dict[str, str]]:
    """Each stack's outputs, by its short name."""
    return {s.name.rsplit("/", 1)[1]: s.outputs for s in group_state(group)}


def assert_torn_down(environment: str, outputs: dict[str, dict[str, str]]) -> None:
    """The group's VPC, buckets, repository and table are gone; its key waits for deletion."""
    session = account_session(environment)
    vpc = outputs["network"]["VpcId"]
    vpcs = session.client("ec2").describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    assert vpcs["Vpcs"] == []
    buckets = {b["Name"] for b in session.client("s3").list_buckets()["Buckets"]}
    assert outputs["storage"]["MigrationBucketName"] not in buckets
    repositories = session.client("ecr").describe_repositories()["repositories"]
    names = {r["repositoryName"] for r in repositories}
    assert outputs["registry"]["ValidatorRepositoryName"] not in names
    tables = session.client("dynamodb").list_tables()["TableNames"]
    assert outputs["compute"]["SessionsTableName"] not in tables
    key = session.client("kms").describe_key(KeyId=outputs["kms"]["KeyArn"])["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"


@pytest.mark.parametrize("command", TEARDOWN_BY_ENVIRONMENT[1:3], ids=lambda c: c[-1])
def test_then_an_accepter_groups_delete_deletes_its_own_stacks_only(
    estate, command, deploy_role_policies
):
    group = command[-1]
    environment = environment_of(group)
    before = outputs_of(group)
    run = run_sceptre(*command)
    assert run.returncode == 0, run.output[-4000:]
    made = assert_deploy_roles_allowed(run.calls, deploy_role_policies)
    # !empty_buckets emptied the Object-Locked audit log with its governance bypass, allowed
    bypassed = [c for c in made if "x-amz-bypass-governance-retention" in c["headers"]]
    assert bypassed, "!empty_buckets made no bypassing delete"
    assert sorted(writes_of(run, "DeleteStack")) == sorted(
        external(name) for name in ALL_STACKS if name.startswith(f"{group}/")
    )
    assert violations(run, environment, accounts()) == []
    assert {s.status for s in group_state(group)} == {"NOT_DEPLOYED"}
    assert_torn_down(environment, before)


def test_prods_delete_takes_both_regions_and_global_in_prod_only(estate, deploy_role_policies):
    before = outputs_of("prod/us-east-1")
    identifier = before["cluster"]["GlobalClusterIdentifier"]
    run = run_sceptre(*TEARDOWN_BY_ENVIRONMENT[3])
    assert run.returncode == 0, run.output[-4000:]
    assert_deploy_roles_allowed(run.calls, deploy_role_policies)
    assert violations(run, "prod", accounts()) == []
    for group in ("prod/us-east-1", "prod/eu-west-1", "global"):
        assert {s.status for s in group_state(group)} == {"NOT_DEPLOYED"}, group
    assert_torn_down("prod", before)
    rds = account_session("prod").client("rds")
    clusters = rds.describe_global_clusters()["GlobalClusters"]
    assert identifier not in [g["GlobalClusterIdentifier"] for g in clusters]
    for region in ("eu-west-1", "us-east-1"):
        stacks = account_session("prod", region).client("cloudformation").describe_stacks()
        assert [s["StackName"] for s in stacks["Stacks"]] == [], region
