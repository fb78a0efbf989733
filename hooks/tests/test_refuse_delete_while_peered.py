"""!refuse_delete_while_peered on the local AWS: an accepter's stack is not deleted while the
requester's connection is up; it is once the connection is gone; bad arguments fail at setup."""

import json
import uuid

import boto3
import pytest
from sceptre.exceptions import InvalidHookArgumentSyntaxError
from tapstack_hooks.hook_points import HookPlacementError
from tapstack_hooks.refuse_delete_while_peered import (
    PeeredStackDeleteError,
    RefuseDeleteWhilePeered,
)
from tapstack_tools.sceptre_scratch import place_hook

ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
REGION = "us-east-1"
REQUESTER = "prod/us-east-1/peering"


def deploy_role(environment: str) -> str:
    return f"arn:aws:iam::{ACCOUNTS[environment]}:role/tapstack-deploy-{environment}"


def client(service: str, environment: str):
    """A client acting in `environment`'s account (through its deploy role)."""
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=deploy_role(environment), RoleSessionName="hook-test"
    )["Credentials"]
    return boto3.client(
        service,
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def request_peering(accepter: str) -> str:
    """A pending connection from a new prod VPC to a new VPC in `accepter`'s account."""
    prod_vpc = client("ec2", "prod").create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    peer_vpc = client("ec2", accepter).create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    return client("ec2", "prod").create_vpc_peering_connection(
        VpcId=prod_vpc, PeerVpcId=peer_vpc, PeerOwnerId=ACCOUNTS[accepter], PeerRegion=REGION
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]


def accepter_stack(connection_id: str) -> str:
    """A staging stack launched with `connection_id` (as a peering-accepter stack is)."""
    name = f"tapstack-test-accepter-{uuid.uuid4().hex[:8]}"
    template = {
        "Parameters": {"PeeringConnectionId": {"Type": "String"}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    }
    client("cloudformation", "staging").create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "PeeringConnectionId", "ParameterValue": connection_id}],
    )
    return name


def make_hook(
    argument: object, external_name: str, point: str = "before_delete", environment="staging"
) -> RefuseDeleteWhilePeered:
    """The hook as Sceptre places it under `point` of an accepter stack, set up."""
    hook = place_hook(
        RefuseDeleteWhilePeered(argument),
        point,
        name=f"{environment}/us-east-1/peering-accepter",
        project_code="tapstack",
        template_handler_config={"type": "file", "path": "peering_accepter.py"},
        region=REGION,
        external_name=external_name,
        sceptre_role=deploy_role(environment),
        stack_group_config={"accounts": ACCOUNTS},
    )
    hook.setup()
    return hook


def test_refuses_while_the_requester_still_peers_then_lets_the_delete_go_on(local_aws_env):
    # GIVEN an accepter stack launched with a connection prod requested and staging accepted
    connection_id = request_peering("staging")
    client("ec2", "staging").accept_vpc_peering_connection(VpcPeeringConnectionId=connection_id)
    hook = make_hook({"requester": REQUESTER}, accepter_stack(connection_id))
    # WHEN its delete starts THEN the hook refuses, naming the connection, requester and command
    with pytest.raises(PeeredStackDeleteError) as refused:
        hook.run()
    message = str(refused.value)
    assert f"{REQUESTER} still peers with this VPC through {connection_id} (active)" in message
    assert f"`sceptre delete -y {REQUESTER}.yaml`" in message
    assert "staging/us-east-1/peering-accepter: not deleted" in message
    # WHEN the requester has deleted the connection THEN the delete goes on
    client("ec2", "prod").delete_vpc_peering_connection(VpcPeeringConnectionId=connection_id)
    hook.run()


def test_a_pending_connection_counts_as_peered(local_aws_env):
    connection_id = request_peering("dev")
    name = f"tapstack-test-accepter-{uuid.uuid4().hex[:8]}"
    client("cloudformation", "dev").create_stack(
        StackName=name,
        TemplateBody=json.dumps(
            {
                "Parameters": {"Id": {"Type": "String"}},
                "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            }
        ),
        Parameters=[{"ParameterKey": "Id", "ParameterValue": connection_id}],
    )
    hook = make_hook({"requester": REQUESTER, "parameter": "Id"}, name, environment="dev")
    with pytest.raises(PeeredStackDeleteError, match=r"\(pending-acceptance\)"):
        hook.run()


@pytest.mark.parametrize(
    "connection_id",
    [pytest.param("", id="not-peered-yet"), pytest.param("pcx-0123456789abcdef0", id="unknown")],
)
def test_no_connection_lets_the_delete_go_on(local_aws_env, connection_id):
    make_hook({"requester": REQUESTER}, accepter_stack(connection_id)).run()


def test_a_stack_already_gone_lets_the_delete_go_on(local_aws_env):
    make_hook({"requester": REQUESTER}, f"tapstack-test-gone-{uuid.uuid4().hex[:8]}").run()


@pytest.mark.parametrize(
    "argument",
    [
        pytest.param(None, id="nothing"),
        pytest.param("prod/us-east-1/peering", id="a-bare-string"),
        pytest.param({"requester": "prod/us-east-1/peering", "role": "x"}, id="unknown-key"),
        pytest.param({"requester": "../peering"}, id="not-a-stack-path"),
        pytest.param({"requester": REQUESTER, "parameter": "Peering-Id"}, id="bad-parameter"),
    ],
)
def test_malformed_argument_fails_at_setup(argument):
    with pytest.raises(InvalidHookArgumentSyntaxError) as refused:
        make_hook(argument, "unused")
    assert "!refuse_delete_while_peered: " in str(refused.value)
    assert "It takes {requester: ENV/REGION/STACK" in str(refused.value)


@pytest.mark.parametrize("point", ["before_update", "after_delete", "before_create"])
def test_a_hook_point_other_than_before_delete_is_refused_at_setup(point):
    with pytest.raises(HookPlacementError, match="belongs under before_delete"):
        make_hook({"requester": REQUESTER}, "unused", point=point)
