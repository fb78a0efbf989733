"""The endpoints stack: every interface endpoint of a VPC (private DNS, a data-perimeter policy
that admits the sync-target roles only under HasSyncTargets), in the network stack's VPC,
subnets and Endpoint group; the network stack keeps the S3 gateway and no interface endpoint;
only the stacks that call AWS from the VPC while they deploy wait for the endpoints."""

import json

import endpoints
import pytest
from sceptre.resolvers.stack_output import StackOutput
from tapstack_hooks.cfn_lint import lint_findings
from tapstack_resolvers.account_role import AccountRole
from tapstack_tools.stack_reads import stacks_of

SERVICES = ["secretsmanager", "ssm", "sts", "kms", "logs", "ec2"]
NETWORK_GROUPS = ["dev/us-east-1", "staging/us-east-1", "prod/us-east-1", "prod/eu-west-1"]
# Stacks whose custom resources (or rotation) call AWS APIs from the VPC while they deploy.
DEPLOY_TIME_CALLERS = {"database", "migrations"}
SYNC_TARGETS = [
    "arn:aws:iam::222222222222:role/tapstack-sync-target-staging",
    "arn:aws:iam::111111111111:role/tapstack-sync-target-dev",
]


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(endpoints.sceptre_handler({}))


def vpc_endpoints(document: dict) -> dict[str, dict]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in document["Resources"].items()
        if resource["Type"] == "AWS::EC2::VPCEndpoint"
    }


def test_is_cfn_lint_clean(document):
    assert lint_findings(json.dumps(document), "us-east-1") == []


def test_bad_user_data_is_refused():
    with pytest.raises(Exception, match=r"sceptre_user_data\.interface_endpoints"):
        endpoints.sceptre_handler({"interface_endpoints": ["s3"]})
    with pytest.raises(Exception, match=r"sceptre_user_data\.protect_data"):
        endpoints.sceptre_handler({"protect_data": True})


def test_one_interface_endpoint_per_service_with_private_dns_in_the_networks_vpc(document):
    found = vpc_endpoints(document)
    assert set(found) == {f"{service.capitalize()}InterfaceEndpoint" for service in SERVICES}
    for service in SERVICES:
        props = found[f"{service.capitalize()}InterfaceEndpoint"]
        assert props["ServiceName"] == {"Fn::Sub": f"com.amazonaws.${{AWS::Region}}.{service}"}
        assert props["VpcEndpointType"] == "Interface"
        assert props["PrivateDnsEnabled"] is True
        assert props["VpcId"] == {"Ref": "VpcId"}
        assert props["SubnetIds"] == {"Ref": "PrivateSubnetIds"}
        assert props["SecurityGroupIds"] == [{"Ref": "EndpointSecurityGroupId"}]
        assert props["PolicyDocument"], service


def test_the_placement_is_typed_so_only_real_ids_are_accepted(document):
    parameters = document["Parameters"]
    assert parameters["VpcId"]["Type"] == "AWS::EC2::VPC::Id"
    assert parameters["PrivateSubnetIds"]["Type"] == "List<AWS::EC2::Subnet::Id>"
    assert parameters["EndpointSecurityGroupId"]["Type"] == "AWS::EC2::SecurityGroup::Id"
    targets = parameters["SyncTargetRoleArns"]
    assert (targets["Type"], targets["Default"]) == ("CommaDelimitedList", "")
    assert targets["AllowedPattern"].startswith("^(arn:aws")


def test_only_sts_and_secrets_manager_admit_the_sync_targets_and_only_under_the_condition(
    document,
):
    assert document["Conditions"]["HasSyncTargets"] == {
        "Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "SyncTargetRoleArns"}]}, ""]}]
    }
    for logical_id, props in vpc_endpoints(document).items():
        policy = props["PolicyDocument"]
        mentions_targets = "SyncTargetRoleArns" in json.dumps(policy)
        if logical_id in ("StsInterfaceEndpoint", "SecretsmanagerInterfaceEndpoint"):
            with_targets, account_only = policy["Fn::If"][1:]
            assert policy["Fn::If"][0] == "HasSyncTargets"
            assert "SyncTargetRoleArns" in json.dumps(with_targets)
            assert "SyncTargetRoleArns" not in json.dumps(account_only)
            sids = [s["Sid"] for s in with_targets["Statement"]]
            assert [s["Sid"] for s in account_only["Statement"]] == sids[:-1]
        else:
            assert not mentions_targets, logical_id
            assert "Fn::If" not in policy, logical_id


@pytest.mark.parametrize("group", NETWORK_GROUPS)
def test_every_interface_endpoint_is_in_the_endpoints_stack_and_none_in_network(documents, group):
    network = vpc_endpoints(documents[f"{group}/network"])
    assert list(network) == ["S3GatewayEndpoint"]
    assert network["S3GatewayEndpoint"]["VpcEndpointType"] == "Gateway"
    assert "S3GatewayEndpointId" in documents[f"{group}/network"]["Outputs"]
    assert "SyncTargetRoleArns" not in documents[f"{group}/network"]["Parameters"]
    interface = vpc_endpoints(documents[f"{group}/endpoints"])
    assert {p["VpcEndpointType"] for p in interface.values()} == {"Interface"}
    assert len(interface) == len(SERVICES)


def endpoints_stack(group: str):
    (stack,) = [s for s in stacks_of(group) if s.name == f"{group}/endpoints"]
    return stack


@pytest.mark.parametrize("group", NETWORK_GROUPS)
def test_the_placement_comes_from_the_groups_network_stack(documents, group):
    outputs = documents[f"{group}/network"]["Outputs"]
    parameters = endpoints_stack(group)._parameters  # unresolved: no AWS call
    for parameter in ("VpcId", "PrivateSubnetIds", "EndpointSecurityGroupId"):
        assert isinstance(parameters[parameter], StackOutput), parameter
        assert parameters[parameter].argument == f"{group}/network.yaml::{parameter}"
        assert "Export" in outputs[parameter], f"{group}/network does not export {parameter}"


@pytest.mark.parametrize("group", NETWORK_GROUPS)
def test_only_prod_us_east_1_names_sync_targets(group):
    targets = endpoints_stack(group)._parameters.get("SyncTargetRoleArns")
    if group != "prod/us-east-1":
        assert targets is None
        return
    assert all(isinstance(target, AccountRole) for target in targets)
    assert [target.resolve() for target in targets] == SYNC_TARGETS  # the accounts map only


@pytest.mark.parametrize("group", NETWORK_GROUPS)
def test_only_the_stacks_that_call_aws_from_the_vpc_while_deploying_wait_for_the_endpoints(
    group,
):
    # The endpoints stack has no outputs, so a dependency on it is an explicit `dependencies`.
    stacks = stacks_of(group)
    waiting = {
        stack.name.rsplit("/", 1)[1]
        for stack in stacks
        if f"{group}/endpoints" in {getattr(d, "name", d) for d in stack.dependencies}
    }
    present = {stack.name.rsplit("/", 1)[1] for stack in stacks}
    assert waiting == DEPLOY_TIME_CALLERS & present, group
