"""Invariant (ARCHITECTURE.md section 4): nothing in staging or dev can open a connection to
prod's database or assume a prod role; and between prod's two regions only MySQL (3306)
crosses their peering. Proved statically on every rendered template of every group, with the
parameters each stack is launched with; and shown to catch a rule that would break it, added
to a copy of a real template."""

import copy
import ipaddress

import pytest
from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan
from sceptre.resolvers.stack_output import StackOutput
from tapstack_blocks.subnets import MAX_AZS, SUBNET_HOST_BITS
from tapstack_hooks.accept_vpc_peering import AcceptVpcPeering
from tapstack_resolvers.account_role import AccountRole
from tapstack_resolvers.ssm_parameter import SsmParameter
from tapstack_resolvers.stack_output_cross_account import StackOutputCrossAccount
from tapstack_tools.identity_plane import ConfigStack, config_stack, config_violations
from tapstack_tools.reachability import Evaluator, Facts, StackInput, Unknown, violations
from tapstack_tools.rendered_templates import PROJECT_DIR

PROD = "333333333333"


def static_value(value):
    """A parameter value as far as config alone decides it (AWS-backed resolvers: unknown)."""
    if isinstance(value, list):
        return [static_value(item) for item in value]
    if isinstance(value, AccountRole):
        return value.resolve()  # built from the accounts map only
    if isinstance(value, str):
        return value
    return Unknown(str(value))


@pytest.fixture(scope="module")
def plan_stacks():
    context = SceptreContext(
        project_path=str(PROJECT_DIR), command_path="", ignore_dependencies=True
    )
    return {stack.name: stack for stack in SceptrePlan(context).command_stacks}


@pytest.fixture(scope="module")
def facts(plan_stacks) -> Facts:
    config = next(iter(plan_stacks.values())).stack_group_config
    plan = config["address_plan"]
    prod = ipaddress.IPv4Network(plan["prod"]["us-east-1"])
    blocks = list(prod.subnets(new_prefix=32 - SUBNET_HOST_BITS))
    return Facts(
        accounts={env: str(account) for env, account in config["accounts"].items()},
        prod_cidrs=[ipaddress.IPv4Network(cidr) for cidr in plan["prod"].values()],
        other_cidrs=[
            ipaddress.IPv4Network(cidr)
            for env, regions in plan.items()
            if env != "prod"
            for cidr in regions.values()
        ],
        sync_subnets=blocks[:MAX_AZS],
        prod_regions={region: ipaddress.IPv4Network(cidr) for region, cidr in plan["prod"].items()},
        deployers=dict(config["deployers"]),
    )


@pytest.fixture(scope="module")
def stacks(plan_stacks, documents) -> list[StackInput]:
    return [
        StackInput(
            name=name,
            environment=stack.stack_group_config["environment"],
            region=stack.region,
            document=documents[name],
            parameters={k: static_value(v) for k, v in stack._parameters.items()},
        )
        for name, stack in sorted(plan_stacks.items())
    ]


def test_every_group_is_examined(stacks):
    environments = {stack.environment for stack in stacks}
    assert environments == {"dev", "staging", "prod"}
    kinds = {stack.name.rsplit("/", 1)[1] for stack in stacks}
    assert {"iam", "network", "peering"} <= kinds


def test_nothing_in_staging_or_dev_reaches_prods_database_or_roles(stacks, facts):
    assert violations(stacks, facts) == []


@pytest.mark.parametrize("environment", ["staging", "dev"])
def test_the_accepter_side_is_switched_on_in_the_proof(stacks, facts, environment):
    # The proof covers the peering rules themselves, not an accepter side left empty: the id
    # is read from SSM at launch (unknown here), so every conditional rule counts.
    accepter = stack_named(stacks, f"{environment}/us-east-1/peering-accepter")
    assert isinstance(accepter.parameters["PeeringConnectionId"], Unknown)
    evaluated = Evaluator(accepter, facts).resources().values()
    routes = [r for r in evaluated if r["Type"] == "AWS::EC2::Route"]
    assert len(routes) == 2 * MAX_AZS, "routes from the two route tables to prod's 3 subnets"


def with_resource(stack: StackInput, logical_id: str, resource: dict) -> StackInput:
    changed = copy.deepcopy(stack)
    changed.document["Resources"][logical_id] = resource
    return changed


def stack_named(stacks: list[StackInput], name: str) -> StackInput:
    (found,) = [stack for stack in stacks if stack.name == name]
    return found


def _sync_egress(group: str, cidr: str, low: int = 3306, high: int = 3306) -> dict:
    return {
        "Type": "AWS::EC2::SecurityGroupEgress",
        "Properties": {
            "GroupId": {"Ref": group}, "IpProtocol": "tcp", "FromPort": low, "ToPort": high,
            "CidrIp": cidr,
        },
    }  # fmt: skip


BREAKING_RULES = [
    pytest.param(
        "prod/us-east-1/peering",
        _sync_egress("LambdaSecurityGroupId", "10.2.0.0/20"),
        "only the sync's own group may",
        id="shared-lambda-tier-mysql-to-staging",
    ),
    pytest.param(
        "prod/us-east-1/network",
        _sync_egress("LambdaSecurityGroup", "10.1.0.0/16"),
        "only the sync's own group may",
        id="network-lambda-tier-mysql-to-dev",
    ),
    pytest.param(
        "prod/us-east-1/peering",
        _sync_egress("SyncSecurityGroup", "10.2.0.0/16"),
        "beyond the private subnets",
        id="sync-group-to-all-of-staging",
    ),
    pytest.param(
        "prod/us-east-1/peering",
        _sync_egress("SyncSecurityGroup", "10.1.16.0/20", 22, 22),
        "only tcp 3306 may go to staging/dev",
        id="sync-group-ssh-to-dev",
    ),
    pytest.param(
        "staging/us-east-1/network",
        {
            "Type": "AWS::EC2::SecurityGroupEgress",
            "Properties": {
                "GroupId": {"Ref": "LambdaSecurityGroup"},
                "IpProtocol": "tcp",
                "FromPort": 3306,
                "ToPort": 3306,
                "CidrIp": "10.3.0.0/16",
            },
        },
        "security group egress to 10.3.0.0/16 admits 3306",
        id="sg-egress-mysql-to-prod",
    ),
    pytest.param(
        "dev/us-east-1/network",
        {
            "Type": "AWS::EC2::SecurityGroupEgress",
            "Properties": {
                "GroupId": {"Ref": "LambdaSecurityGroup"},
                "IpProtocol": "-1",
                "CidrIp": "0.0.0.0/0",
            },
        },
        "security group egress to 0.0.0.0/0 admits 3306",
        id="sg-egress-everything",
    ),
    pytest.param(
        "staging/us-east-1/peering-accepter",
        {
            "Type": "AWS::EC2::NetworkAclEntry",
            "Properties": {
                "NetworkAclId": {"Ref": "NetworkAclId"},
                "RuleNumber": 30,
                "Egress": True,
                "Protocol": "6",
                "CidrBlock": {"Ref": "PeerVpcCidr"},
                "PortRange": {"From": 1024, "To": 65535},
                "RuleAction": "allow",
            },
        },
        "NACL egress to 10.3.0.0/16 admits 3306",
        id="nacl-ephemeral-egress-including-3306",
    ),
    pytest.param(
        "dev/us-east-1/peering-accepter",
        {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "RouteTableId": {"Fn::Select": ["0", {"Ref": "PrivateRouteTableIds"}]},
                "DestinationCidrBlock": "10.3.0.0/16",
                "VpcPeeringConnectionId": {"Ref": "PeeringConnectionId"},
            },
        },
        "reaches prod beyond its sync subnets",
        id="route-to-all-of-prod",
    ),
    pytest.param(
        "prod/us-east-1/network",
        {
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {
                "GroupId": {"Ref": "DatabaseSecurityGroup"},
                "IpProtocol": "tcp",
                "FromPort": 3306,
                "ToPort": 3306,
                "CidrIp": "10.2.0.0/16",
            },
        },
        "admits 3306 from 10.2.0.0/16",
        id="prod-database-open-to-staging",
    ),
    pytest.param(
        "prod/us-east-1/iam",
        {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                            "Action": "sts:AssumeRole",
                        }
                    ]
                }
            },
        },
        "prod role trusts arn:aws:iam::222222222222:root",
        id="prod-role-trusting-staging",
    ),
    pytest.param(
        "dev/us-east-1/iam",
        {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ]
                },
                "Policies": [
                    {
                        "PolicyName": "escape",
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "sts:AssumeRole",
                                    "Resource": {
                                        "Fn::Sub": "arn:aws:iam::333333333333:role/tapstack-*"
                                    },
                                }
                            ]
                        },
                    }
                ],
            },
        },
        "may assume arn:aws:iam::333333333333:role/tapstack-* (prod's roles)",
        id="dev-role-assuming-prod",
    ),
    pytest.param(
        "staging/us-east-1/iam",
        {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {
                                "AWS": "arn:aws:iam::333333333333:role/tapstack-sync-prod"
                            },
                            "Action": "sts:AssumeRole",
                        }
                    ]
                }
            },
        },
        "only tapstack-sync-prod with an ExternalId may",
        id="staging-trusting-prod-without-external-id",
    ),
]


def _sg_rule(kind: str, group: dict, protocol: str, low: int, high: int, cidr: str) -> dict:
    properties = {"GroupId": group, "IpProtocol": protocol, "CidrIp": cidr}
    if protocol != "-1":
        properties |= {"FromPort": low, "ToPort": high}
    return {"Type": f"AWS::EC2::SecurityGroup{kind}", "Properties": properties}


BREAKING_RULES += [
    pytest.param(
        "prod/eu-west-1/peering",
        _sg_rule("Ingress", {"Ref": "DatabaseSecurityGroupId"}, "tcp", 22, 22, "10.3.0.0/20"),
        "security group admits tcp 22-22 across the peering between prod's regions",
        id="region-peering-ssh-into-eu-west-1",
    ),
    pytest.param(
        "prod/us-east-1/peering-accepter",
        _sg_rule("Ingress", {"Ref": "DatabaseSecurityGroupId"}, "-1", 0, 65535, "10.4.0.0/16"),
        "security group admits -1 0-65535 across the peering between prod's regions",
        id="region-peering-everything-into-us-east-1",
    ),
    pytest.param(
        "prod/eu-west-1/peering",
        _sg_rule("Egress", {"Ref": "LambdaSecurityGroupId"}, "tcp", 443, 443, "10.3.16.0/20"),
        "security group sends tcp 443-443 across the peering between prod's regions",
        id="region-peering-https-out-of-eu-west-1",
    ),
    pytest.param(
        "prod/us-east-1/network",
        {
            "Type": "AWS::EC2::NetworkAclEntry",
            "Properties": {
                "NetworkAclId": {"Ref": "PrivateNetworkAcl"},
                "RuleNumber": 300,
                "Egress": False,
                "Protocol": "6",
                "CidrBlock": "10.4.0.0/20",
                "PortRange": {"From": 0, "To": 65535},
                "RuleAction": "allow",
            },
        },
        "NACL allows 6 0-65535 across the peering between prod's regions",
        id="region-peering-nacl-all-tcp",
    ),
    pytest.param(
        "prod/eu-west-1/peering",
        {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "RouteTableId": "rtb-0123456789abcdef0",
                "DestinationCidrBlock": "10.3.0.0/16",
                "VpcPeeringConnectionId": {"Ref": "RegionPeeringConnection"},
            },
        },
        "reaches prod's other region beyond its private subnets",
        id="region-peering-route-to-all-of-us-east-1",
    ),
]


def _mysql_rules(stack: StackInput, facts: Facts, kind: str) -> set[str]:
    resources = Evaluator(stack, facts).resources().values()
    return {
        r["Properties"]["CidrIp"]
        for r in resources
        if r["Type"] == f"AWS::EC2::SecurityGroup{kind}"
        and r["Properties"]["IpProtocol"] == "tcp"
        and r["Properties"]["FromPort"] == r["Properties"]["ToPort"] == 3306
        and "CidrIp" in r["Properties"]
    }


@pytest.mark.parametrize(
    ("stack_name", "peer_vpc"),
    [("prod/us-east-1/peering-accepter", "10.4.0.0/16"), ("prod/eu-west-1/peering", "10.3.0.0/16")],
)
def test_the_region_path_is_in_the_proof_both_ways(stacks, facts, stack_name, peer_vpc):
    # MySQL from and to the other region's private subnets is switched on in what is proved.
    peer_subnets = {
        str(n) for n in list(ipaddress.IPv4Network(peer_vpc).subnets(new_prefix=20))[:MAX_AZS]
    }
    stack = stack_named(stacks, stack_name)
    assert _mysql_rules(stack, facts, "Ingress") == peer_subnets
    assert _mysql_rules(stack, facts, "Egress") >= peer_subnets


@pytest.mark.parametrize(("stack_name", "resource", "message"), BREAKING_RULES)
def test_a_rule_that_breaks_the_invariant_is_caught(stacks, facts, stack_name, resource, message):
    broken = [
        with_resource(stack, "Added", resource) if stack.name == stack_name else stack
        for stack in stacks
    ]
    found = violations(broken, facts)
    assert any(message in line and f"{stack_name}:Added" in line for line in found), found
    assert violations([stack_named(stacks, stack_name)], facts) == []


def test_the_syncs_path_to_staging_and_dev_is_in_the_proof(stacks, facts):
    # The proof covers the sync's real rules: its group sends 3306 to each peer's private
    # subnets, and the sync function runs in that group, not in the shared Lambda tier.
    peering = stack_named(stacks, "prod/us-east-1/peering")
    resources = Evaluator(peering, facts).resources()
    aimed = {
        props["CidrIp"]
        for props in (r["Properties"] for r in resources.values())
        if props.get("GroupId") == Unknown("Ref SyncSecurityGroup") and "CidrIp" in props
    }
    assert {"10.2.0.0/20", "10.2.16.0/20", "10.1.0.0/20", "10.1.16.0/20"} <= aimed
    sync = stack_named(stacks, "prod/us-east-1/sync")
    assert "LambdaSecurityGroupId" not in sync.document["Parameters"]
    assert "SyncSecurityGroupId" in sync.document["Parameters"]


# The identity plane (tapstack_tools.identity_plane).


@pytest.fixture(scope="module")
def config_stacks(plan_stacks) -> list[ConfigStack]:
    """Every stack's config as the whole estate's command reads it, and as its own group's
    command does (config/ differs between the two: docs/architecture.md, "One command")."""
    group_stacks = [
        stack
        for group in ("dev/us-east-1", "staging/us-east-1", "prod/us-east-1", "prod/eu-west-1")
        for stack in SceptrePlan(
            SceptreContext(
                project_path=str(PROJECT_DIR), command_path=group, ignore_dependencies=True
            )
        ).command_stacks
    ]
    return [config_stack(stack) for stack in [*plan_stacks.values(), *group_stacks]]


def test_the_proof_reads_each_groups_own_command_too(config_stacks):
    # the accepters' delete guard is attached only outside whole-estate commands
    hooks = [
        type(hook).__name__
        for stack in config_stacks
        if stack.name == "staging/us-east-1/peering-accepter"
        for hook in stack.hooks.get("before_delete", [])
    ]
    assert hooks == ["RefuseDeleteWhilePeered"]


def test_no_staging_or_dev_config_assumes_a_prod_role(config_stacks, facts):
    assert {stack.environment for stack in config_stacks} == {"dev", "staging", "prod"}
    assert config_violations(config_stacks, facts.accounts) == []


def test_the_staging_deploy_roles_generated_managed_policies_are_in_the_proof(stacks, facts):
    # The deploy role's service permissions are customer-managed policies of the same template;
    # the proof reads them. GIVEN one of them gains sts:AssumeRole on "*": the explicit Deny
    # still holds it; WHEN the Deny goes too, THEN the proof sees a way into prod.
    iam = stack_named(stacks, "staging/us-east-1/iam")
    resources = iam.document["Resources"]
    deploy = resources["DeployRole"]
    attached = [arn["Ref"] for arn in deploy["Properties"]["ManagedPolicyArns"]]
    assert attached and all(resources[r]["Type"] == "AWS::IAM::ManagedPolicy" for r in attached)
    widened = copy.deepcopy(resources[attached[0]])
    widened["Properties"]["PolicyDocument"]["Statement"].append(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    )
    with_widened = with_resource(iam, attached[0], widened)
    assert violations([with_widened], facts) == []
    without_deny = copy.deepcopy(deploy)
    (inline,) = without_deny["Properties"]["Policies"]
    statements = inline["PolicyDocument"]["Statement"]
    inline["PolicyDocument"]["Statement"] = [
        s for s in statements if s["Sid"] != "NeverAssumeARole"
    ]
    found = violations([with_resource(with_widened, "DeployRole", without_deny)], facts)
    assert any("DeployRole: its policies allow sts:AssumeRole" in line for line in found), found
    # and without the widening, the generated policies alone allow no role assumption
    assert violations([with_resource(iam, "DeployRole", without_deny)], facts) == []


def _role(trust_principal, **properties) -> dict:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [trust_principal]},
                "Action": ["sts:AssumeRole"],
            }
        ],
    }
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {"AssumeRolePolicyDocument": trust, **properties},
    }


STAGING_DEPLOYER = "arn:aws:iam::123456789012:user/tapstack-deployer-staging"
IDENTITY_BREAKING_RULES = [
    pytest.param(
        "staging/us-east-1/iam",
        _role(
            "arn:aws:iam::222222222222:root",
            ManagedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"],
        ),
        "no pinned copy of arn:aws:iam::aws:policy/AdministratorAccess",
        id="managed-policy-without-a-pinned-copy",
    ),
    pytest.param(
        "staging/us-east-1/iam",
        _role(
            "arn:aws:iam::222222222222:root",
            ManagedPolicyArns=["arn:aws:iam::222222222222:policy/defined-elsewhere"],
        ),
        "neither an AWS-managed policy nor one this template defines",
        id="customer-managed-policy-from-elsewhere",
    ),
    pytest.param(
        "dev/us-east-1/iam",
        _role(
            "arn:aws:iam::111111111111:root",
            ManagedPolicyArns=["arn:aws:iam::aws:policy/PowerUserAccess"],
        ),
        "its policies allow sts:AssumeRole on arn:aws:iam::333333333333:role/tapstack-deploy-prod",
        id="managed-power-user-without-the-deny",
    ),
    pytest.param(
        "staging/us-east-1/iam",
        _role(
            "arn:aws:iam::222222222222:root",
            Policies=[
                {
                    "PolicyName": "p",
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "NotAction": ["iam:*"],
                                "Resource": "*",
                                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}},
                            }
                        ]
                    },
                }
            ],
        ),
        "its policies allow sts:AssumeRole",
        id="conditional-not-action-allow",
    ),
    pytest.param(
        "prod/us-east-1/iam",
        _role(STAGING_DEPLOYER),
        f"prod role trusts {STAGING_DEPLOYER}, staging's deployer",
        id="prod-role-trusts-stagings-deployer",
    ),
    pytest.param(
        "staging/us-east-1/iam",
        _role("arn:aws:iam::333333333333:role/tapstack-deploy-prod"),
        "trusts prod principal arn:aws:iam::333333333333:role/tapstack-deploy-prod",
        id="staging-role-trusts-prods-deploy-role",
    ),
]


@pytest.mark.parametrize(("stack_name", "resource", "message"), IDENTITY_BREAKING_RULES)
def test_an_identity_rule_that_breaks_the_invariant_is_caught(
    stacks, facts, stack_name, resource, message
):
    broken = [with_resource(s, "Added", resource) if s.name == stack_name else s for s in stacks]
    found = violations(broken, facts)
    assert any(message in line and f"{stack_name}:Added" in line for line in found), found


def test_a_deployer_shared_by_prod_and_staging_is_caught(stacks, facts):
    shared = copy.deepcopy(facts)
    shared.deployers["staging"] = shared.deployers["prod"]
    found = violations(stacks, shared)
    assert f"deployers: prod's deployer {facts.deployers['prod']} is also staging's" in found


def _unknown_resolver():
    class Mystery(SsmParameter):  # any class the proof does not list
        pass

    return Mystery("/x")


CONFIG_BREAKING_CALLS = [
    pytest.param(
        "parameters",
        StackOutputCrossAccount("prod/us-east-1/peering::StagingPeeringConnectionId"),
        "!stack_output_cross_account 'prod/us-east-1/peering::StagingPeeringConnectionId'",
        id="cross-account-output-read-through-prod",
    ),
    pytest.param(
        "parameters",
        StackOutput("prod/us-east-1/network.yaml::VpcId"),
        "!stack_output prod/us-east-1/network.yaml::VpcId (as prod's deploy role)",
        id="stack-output-of-a-prod-stack",
    ),
    pytest.param(
        "parameters", _unknown_resolver(), "unknown resolver Mystery", id="unknown-resolver"
    ),
    pytest.param("hooks", AcceptVpcPeering(), "hook AcceptVpcPeering assumes", id="peering-hook"),
    pytest.param("hooks", object(), "unknown hook", id="unknown-hook"),
    pytest.param(
        "role",
        "arn:aws:iam::333333333333:role/tapstack-deploy-prod",
        "is a prod role",
        id="sceptre-role",
    ),
]


@pytest.mark.parametrize(("kind", "call", "message"), CONFIG_BREAKING_CALLS)
def test_a_config_call_that_would_assume_a_prod_role_is_caught(
    config_stacks, facts, kind, call, message
):
    network = next(copy.copy(s) for s in config_stacks if s.name == "staging/us-east-1/network")
    if kind == "parameters":
        network.parameters = {**network.parameters, "Added": call}
    elif kind == "hooks":
        network.hooks = {**network.hooks, "after_update": [call]}
    else:
        network.role_arn = call
    found = config_violations([network], facts.accounts)
    assert any(message in line and "staging/us-east-1/network" in line for line in found), found
    assert (
        config_violations([s for s in config_stacks if s.name == network.name], facts.accounts)
        == []
    )


def test_prods_deployer_in_prods_account_may_be_trusted_only_by_the_accepter_role(stacks, facts):
    # GIVEN a real-AWS layout: prod's deployer is a role in prod's account
    deployer = f"arn:aws:iam::{PROD}:role/pipeline-prod"
    in_prod = copy.deepcopy(facts)
    in_prod.deployers["prod"] = deployer
    staging = copy.deepcopy(stack_named(stacks, "staging/us-east-1/iam"))
    staging.parameters["PeeringRequesterPrincipalArn"] = deployer
    # THEN the peering-accepter role may trust it, and no other staging role may
    assert violations([staging], in_prod) == []
    broken = with_resource(staging, "Added", _role(deployer, RoleName="tapstack-other-staging"))
    found = violations([broken], in_prod)
    assert any("Added: trusts prod principal" in line for line in found), found
