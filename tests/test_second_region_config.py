"""Config validation of prod's second region and the global group: one clear error, before any
AWS call, naming file, key and value."""

import pytest
from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan
from tapstack_tools.deployment import SECOND_REGION_GROUPS, stacks_of
from tapstack_tools.project_copy import copy_project, edit, run_sceptre
from tapstack_tools.rendered_templates import template_document

BAD_CONFIG = [
    pytest.param(
        "global",
        (
            "config/global/config.yaml",
            "[eu-west-1, us-east-1]",
            "[eu-west-1, us-east-1, ap-south-1]",
        ),
        ["address_plan has no VPC CIDR for prod in ap-south-1 (a region in stackset_regions)"],
        id="stackset-region-outside-the-address-plan",
    ),
    pytest.param(
        "global",
        ("config/global/config.yaml", "[eu-west-1, us-east-1]", "[eu-west-1, eu-west-1]"),
        ["config/global/config.yaml", "stackset_regions", "repeats a region"],
        id="stackset-region-repeated",
    ),
    pytest.param(
        "global",
        ("config/global/config.yaml", "scope: global", "scope: regional"),
        ["az_count is required for a regional group"],
        id="global-group-declared-regional",
    ),
    pytest.param(
        "dev/us-east-1",
        ("config/dev/config.yaml", "az_count: 2", "az_count: 2\nstackset_regions: [us-east-1]"),
        ["stackset_regions belongs in a global group"],
        id="stackset-regions-in-a-regional-group",
    ),
    pytest.param(
        "prod/eu-west-1",
        ("config/config.yaml", "    eu-west-1: 10.4.0.0/16\n", ""),
        ["config/config.yaml: address_plan: address_plan has no VPC CIDR for prod in eu-west-1"],
        id="second-region-without-a-cidr",
    ),
    pytest.param(
        "prod/eu-west-1",
        ("config/config.yaml", "eu-west-1: 10.4.0.0/16", "eu-west-1: 10.3.128.0/16"),
        ["10.3.128.0/16", "not a valid IPv4"],
        id="second-region-cidr-malformed",
    ),
    pytest.param(
        "prod/eu-west-1",
        ("config/config.yaml", "eu-west-1: 10.4.0.0/16", "eu-west-1: 10.3.0.0/16"),
        ["10.3.0.0/16 of prod/us-east-1 overlaps 10.3.0.0/16 of prod/eu-west-1"],
        id="second-region-overlaps-the-first",
    ),
]


@pytest.mark.parametrize(("group", "change", "expected"), BAD_CONFIG)
def test_bad_second_region_config_is_refused(tmp_path, group, change, expected):
    project = copy_project(tmp_path)
    edit(project, *change)
    result = run_sceptre(project, "--output", "json", "generate", group)
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert f"Invalid tapstack config for stack {group}/" in message, message
    for fragment in expected:
        assert fragment in message, message
    assert "Traceback" not in message, message


@pytest.mark.parametrize("group", SECOND_REGION_GROUPS)
def test_second_region_groups_assume_prods_deploy_role_and_are_tagged_prod(group):
    for stack in stacks_of(group):
        assert stack.sceptre_role == "arn:aws:iam::333333333333:role/tapstack-deploy-prod"
        assert stack.tags["Environment"] == "prod"
        assert stack.config["parameters"]["EnvironmentName"] == "prod"


def test_eu_west_1_network_takes_its_cidr_from_the_address_plan():
    (network,) = [s for s in stacks_of("prod/eu-west-1") if s.name.endswith("/network")]
    assert network.region == "eu-west-1"
    assert (network.config["parameters"]["VpcCidr"], network.config["parameters"]["AzCount"]) == (
        "10.4.0.0/16",
        "3",
    )


def test_global_group_runs_in_prods_home_region_and_targets_both_regions():
    stacks = {s.name: s for s in stacks_of("global")}
    assert {s.region for s in stacks.values()} == {"us-east-1"}
    parameters = stacks["global/stackset"].config["parameters"]
    assert parameters["TargetRegions"] == "eu-west-1,us-east-1"
    assert set(stacks) == {"global/stackset"}


def test_the_failover_records_are_part_of_prods_launch_and_wait_for_the_clusters_only():
    # Route 53 needs both clusters' endpoints, which exist before any instance: the records
    # are created beside the instances, inside `sceptre launch prod` (docs/deploy-budget.md).
    (dns,) = [s for s in stacks_of("prod/us-east-1") if s.name == "prod/us-east-1/dns"]
    assert dns.region == "us-east-1"
    assert {d.name for d in dns.dependencies} == {
        "prod/us-east-1/network",
        "prod/us-east-1/cluster",
        "prod/eu-west-1/network",
        "prod/eu-west-1/cluster",
    }


def test_eu_west_1_requests_the_region_peering_and_us_east_1s_accepter_side_follows_it():
    (peering,) = [s for s in stacks_of("prod/eu-west-1") if s.name.endswith("/peering")]
    assert peering.region == "eu-west-1"
    assert {d.name for d in peering.dependencies} == {
        "prod/eu-west-1/network",
        "prod/us-east-1/network",
    }
    parameters = peering.config["parameters"]
    assert (parameters["PeerRegion"], parameters["PeerVpcCidr"]) == ("us-east-1", "10.3.0.0/16")
    for point in ("after_create", "after_update"):
        assert [type(h).__name__ for h in peering.config["hooks"][point]] == ["AcceptVpcPeering"]
    # us-east-1's side is its own stack, after eu-west-1's peering in the graph: no cycle, no
    # --var (the network stack holds no peering at all)
    (accepter,) = [s for s in stacks_of("prod/us-east-1") if s.name.endswith("/peering-accepter")]
    parameters = accepter.config["parameters"]
    assert (parameters["PeerVpcCidr"], parameters["PeerMysqlOutbound"]) == ("10.4.0.0/16", "true")
    connection = parameters["PeeringConnectionId"]
    assert type(connection).__name__ == "StackOutput"
    assert connection.argument == "prod/eu-west-1/peering.yaml::PeeringConnectionId"
    assert "prod/eu-west-1/peering" in {d.name for d in accepter.dependencies}
    (network,) = [s for s in stacks_of("prod/us-east-1") if s.name.endswith("/network")]
    assert not {"PeeringConnectionId", "PeerVpcCidr"} & set(network.config["parameters"])


@pytest.mark.parametrize("instances", ["none", "writer_and_reader"])
def test_the_failover_runbooks_one_line_edit_gives_the_secondary_its_instances(tmp_path, instances):
    # GIVEN prod/eu-west-1's database config as committed, or with the failover runbook's one
    # line changed (docs/operations.md, "Regional failover")
    project = copy_project(tmp_path)
    relative = "config/prod/eu-west-1/database.yaml"
    edit(
        project,
        relative,
        "{%- set instances = 'none' %}",
        f"{{%- set instances = '{instances}' %}}",
    )
    context = SceptreContext(project_path=str(project), command_path="prod/eu-west-1/database.yaml")
    (stack,) = SceptrePlan(context).command_stacks
    # THEN the template it renders declares exactly the parameters the config passes
    template = template_document(stack.template.body)
    assert set(stack.config["parameters"]) == set(template["Parameters"])
    has_instances = {"WriterInstance", "ReaderInstance"} <= set(template["Resources"])
    assert has_instances == (instances == "writer_and_reader")
