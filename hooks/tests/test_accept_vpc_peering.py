"""!accept_vpc_peering on the local AWS: prod requests, the hook accepts in the accepter's
account through its deploy role, waits until active; idempotent; clear errors."""

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from sceptre.exceptions import InvalidHookArgumentSyntaxError
from tapstack_hooks.accept_vpc_peering import (
    AcceptVpcPeering,
    PeeringAcceptanceError,
    wait_until_active,
)
from tapstack_hooks.hook_points import HookPlacementError
from tapstack_tools.sceptre_scratch import place_hook

ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
REGION = "us-east-1"


def deploy_role(environment: str) -> str:
    return f"arn:aws:iam::{ACCOUNTS[environment]}:role/tapstack-deploy-{environment}"


def client(service: str, environment: str, region: str = REGION):
    credentials = boto3.client("sts", region_name=region).assume_role(
        RoleArn=deploy_role(environment), RoleSessionName="hook-test"
    )["Credentials"]
    return boto3.client(
        service,
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


DEFAULT_CONFIG = {"accounts": ACCOUNTS, "deploy_role_name": "tapstack-deploy"}


def make_hook(
    argument: object,
    external_name: str = "unused",
    region: str = REGION,
    point: str = "",
    stack_group_config: dict | None = None,
) -> AcceptVpcPeering:
    unpublish = isinstance(argument, dict) and argument.get("unpublish") is True
    return place_hook(
        AcceptVpcPeering(argument),
        point or ("before_delete" if unpublish else "after_update"),
        name=f"prod/{region}/peering",
        region=region,
        external_name=external_name,
        sceptre_role=deploy_role("prod"),
        stack_group_config=stack_group_config or DEFAULT_CONFIG,
    )


def requester_stack(outputs: dict[str, str], region: str = REGION) -> str:
    """A stack in prod whose outputs name the connections (as the peering stack's do)."""
    name = f"tapstack-test-peering-{uuid.uuid4().hex[:8]}"
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    client("cloudformation", "prod", region).create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )
    return name


def request_peering(accepter: str) -> tuple[str, str, str]:
    """A pending connection from a new prod VPC to a new VPC in `accepter`'s account."""
    prod_vpc = client("ec2", "prod").create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    peer_vpc = client("ec2", accepter).create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    connection = client("ec2", "prod").create_vpc_peering_connection(
        VpcId=prod_vpc, PeerVpcId=peer_vpc, PeerOwnerId=ACCOUNTS[accepter], PeerRegion=REGION
    )["VpcPeeringConnection"]
    assert connection["Status"]["Code"] in ("initiating-request", "pending-acceptance")
    return connection["VpcPeeringConnectionId"], prod_vpc, peer_vpc


def status(environment: str, connection_id: str, region: str = REGION) -> str:
    response = client("ec2", environment, region).describe_vpc_peering_connections(
        VpcPeeringConnectionIds=[connection_id]
    )
    return response["VpcPeeringConnections"][0]["Status"]["Code"]


def test_accepts_every_pending_connection_in_its_accepters_account(local_aws_env, caplog):
    caplog.set_level("INFO")
    staging, _, _ = request_peering("staging")
    dev, _, _ = request_peering("dev")
    stack = requester_stack({"StagingPeering": staging, "DevPeering": dev, "Other": "x"})
    make_hook(None, stack).run()
    for environment, connection in (("staging", staging), ("dev", dev)):
        assert status("prod", connection) == "active"
        assert status(environment, connection) == "active"
    assert "accepted" in caplog.text and deploy_role("staging") in caplog.text


@pytest.mark.parametrize(
    "stack_group_config",
    [
        pytest.param(DEFAULT_CONFIG, id="deploy_role_name"),
        # Without a role prefix, the requester's own account is reached as the stack's own role.
        pytest.param({"accounts": ACCOUNTS}, id="the-stacks-own-role"),
    ],
)
def test_accepts_a_same_account_connection_in_the_accepters_region(
    local_aws_env, caplog, stack_group_config
):
    # prod/eu-west-1 requests, prod/us-east-1 accepts: one account, two regions.
    caplog.set_level("INFO")
    ec2_eu = client("ec2", "prod", "eu-west-1")
    requester_vpc = ec2_eu.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    accepter_vpc = client("ec2", "prod").create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    connection = ec2_eu.create_vpc_peering_connection(
        VpcId=requester_vpc, PeerVpcId=accepter_vpc, PeerRegion=REGION
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    assert status("prod", connection) == "pending-acceptance"
    stack = requester_stack({"PeeringConnectionId": connection}, region="eu-west-1")
    make_hook(None, stack, region="eu-west-1", stack_group_config=stack_group_config).run()
    assert status("prod", connection, "eu-west-1") == "active"
    assert status("prod", connection) == "active"
    assert f"accepted {connection}" in caplog.text and deploy_role("prod") in caplog.text
    assert "eu-west-1 -> VPC" in caplog.text and f"{ACCOUNTS['prod']}, us-east-1" in caplog.text


def test_is_a_no_op_when_already_active(local_aws_env, caplog):
    caplog.set_level("INFO")
    connection, _, _ = request_peering("staging")
    stack = requester_stack({"StagingPeering": connection})
    make_hook({"outputs": ["StagingPeering"]}, stack).run()
    caplog.clear()
    make_hook({"outputs": ["StagingPeering"]}, stack).run()
    assert "accepted" not in caplog.text
    assert f"{connection} (" in caplog.text and "is active" in caplog.text


def test_publishes_each_connection_id_in_its_accepters_account_as_the_given_role(
    local_aws_env, caplog
):
    # GIVEN prod's connections to staging and dev, and a role prefix other than the deploy role
    caplog.set_level("INFO")
    staging, _, _ = request_peering("staging")
    dev, _, _ = request_peering("dev")
    stack = requester_stack({"StagingPeering": staging, "DevPeering": dev})
    name = f"/tapstack/{{environment}}/t{uuid.uuid4().hex[:8]}/peering/prod-connection-id"
    argument = {"role": "tapstack-peering-accepter", "parameter": name}
    # WHEN the hook runs twice (the second finds both active)
    make_hook(argument, stack).run()
    make_hook(argument, stack).run()
    # THEN each accepter's account holds its own connection's id, written as that role
    for environment, connection in (("staging", staging), ("dev", dev)):
        parameter_name = name.replace("{environment}", environment)
        found = client("ssm", environment).get_parameter(Name=parameter_name)["Parameter"]
        assert (found["Value"], found["Type"]) == (connection, "String")
        role = f"arn:aws:iam::{ACCOUNTS[environment]}:role/tapstack-peering-accepter-{environment}"
        assert f"{parameter_name} = {connection}" in caplog.text and role in caplog.text
    with pytest.raises(client("ssm", "prod").exceptions.ParameterNotFound):
        client("ssm", "prod").get_parameter(Name=name.replace("{environment}", "staging"))
    # AND before the requester is deleted, `unpublish` removes them (twice: idempotent)
    make_hook({**argument, "unpublish": True}, stack).run()
    make_hook({**argument, "unpublish": True}, stack).run()
    for environment in ("staging", "dev"):
        ssm = client("ssm", environment)
        with pytest.raises(ssm.exceptions.ParameterNotFound):
            ssm.get_parameter(Name=name.replace("{environment}", environment))


def test_unpublish_of_a_stack_already_deleted_is_a_no_op_and_accepting_one_fails(local_aws_env):
    # GIVEN a requester stack deleted earlier (its own delete unpublished then), e.g. prod's
    # peering deleted alone before `sceptre delete -y prod`
    gone = f"tapstack-test-gone-{uuid.uuid4().hex[:8]}"
    argument = {"role": "tapstack-peering-accepter", "parameter": "/tapstack/{environment}/x"}
    # THEN deleting it again unpublishes nothing and does not fail
    make_hook({**argument, "unpublish": True}, gone).run()
    # AND accepting (after create or update, where the stack must exist) still fails
    with pytest.raises(ClientError, match="does not exist"):
        make_hook(argument, gone).run()


def test_rejected_connection_fails_naming_connection_vpcs_and_accounts(local_aws_env):
    connection, prod_vpc, peer_vpc = request_peering("dev")
    client("ec2", "dev").reject_vpc_peering_connection(VpcPeeringConnectionId=connection)
    stack = requester_stack({"DevPeering": connection})
    with pytest.raises(PeeringAcceptanceError) as caught:
        make_hook(None, stack).run()
    message = str(caught.value)
    for fact in (connection, prod_vpc, peer_vpc, ACCOUNTS["prod"], ACCOUNTS["dev"], "rejected"):
        assert fact in message


def test_a_missing_output_is_named(local_aws_env):
    stack = requester_stack({"Something": "x"})
    with pytest.raises(PeeringAcceptanceError, match=r"no output \['StagingPeering'\]"):
        make_hook({"outputs": ["StagingPeering"]}, stack).run()


def pending(code: str = "pending-acceptance") -> dict:
    return {
        "VpcPeeringConnectionId": "pcx-1",
        "Status": {"Code": code, "Message": "m"},
        "RequesterVpcInfo": {"VpcId": "vpc-r", "OwnerId": "333333333333", "Region": REGION},
        "AccepterVpcInfo": {"VpcId": "vpc-a", "OwnerId": "222222222222", "Region": REGION},
    }


def test_waiting_is_bounded_with_a_clear_timeout():
    now = [0.0]
    sleeps = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with pytest.raises(PeeringAcceptanceError) as caught:
        wait_until_active(pending, 10, sleep=sleep, clock=lambda: now[0])
    assert "still pending-acceptance after 10 s" in str(caught.value)
    assert "vpc-r in account 333333333333" in str(caught.value)
    assert "vpc-a in account 222222222222" in str(caught.value)
    assert sum(sleeps) == 10


def test_waiting_returns_once_active():
    answers = iter([pending("provisioning"), pending("active")])
    connection = wait_until_active(lambda: next(answers), 10, sleep=lambda _: None)
    assert connection["Status"]["Code"] == "active"


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        pytest.param("StagingPeering", "the argument must be a mapping of outputs", id="string"),
        pytest.param({"outputs": "A"}, "`outputs` takes a list of the stack's output", id="A"),
        pytest.param({"timeout_seconds": 0}, "`timeout_seconds` takes a whole number", id="0"),
        pytest.param({"wait": 5}, "unknown key `wait` (the keys are outputs,", id="unknown-key"),
        pytest.param({"role": "bad role"}, "`role` takes a role name prefix", id="bad-role"),
        pytest.param(
            {"parameter": "tapstack/no-leading-slash"},
            "`parameter` takes an SSM parameter name starting with /",
            id="parameter-not-a-path",
        ),
        pytest.param(
            {"parameter": "/tapstack/{env}/x"}, "`parameter` takes", id="unknown-placeholder"
        ),
        pytest.param(
            {"unpublish": "sometimes"}, "`unpublish` takes true or false", id="unpublish-not-bool"
        ),
        pytest.param(
            {"unpublish": True}, "`unpublish` needs the `parameter` it deletes", id="no-parameter"
        ),
        pytest.param({"partition": "azure"}, "`partition` takes an AWS partition", id="partition"),
    ],
)
def test_malformed_argument_fails_at_setup_naming_the_key(argument, problem):
    with pytest.raises(InvalidHookArgumentSyntaxError) as caught:
        make_hook(argument, point="after_create")
    assert str(caught.value).startswith("prod/us-east-1/peering: !accept_vpc_peering: ")
    assert problem in str(caught.value)
    assert f"You gave {argument!r}." in str(caught.value)


@pytest.mark.parametrize(
    ("argument", "point", "allowed"),
    [
        pytest.param(None, "before_create", "after_create or after_update", id="accept before"),
        pytest.param(None, "before_delete", "after_create or after_update", id="accept on delete"),
        pytest.param(
            {"parameter": "/x/{environment}", "unpublish": True},
            "after_update",
            "before_delete",
            id="unpublish after update",
        ),
    ],
)
def test_each_mode_is_refused_outside_its_hook_points(argument, point, allowed):
    with pytest.raises(HookPlacementError, match=f"belongs under {allowed}, not under `{point}`"):
        make_hook(argument, point=point)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param("pcx-1", "StagingPeering = 'pcx-1' is not a VPC peering", id="malformed"),
        pytest.param("vpc-0123456789abcdef0", "is not a VPC peering", id="a vpc id"),
        pytest.param("pcx-0123456789abcdef0", "does not exist in this account", id="unknown"),
    ],
)
def test_a_wrong_or_malformed_connection_id_is_one_clear_error(local_aws_env, value, problem):
    stack = requester_stack({"StagingPeering": value})
    with pytest.raises(PeeringAcceptanceError) as caught:
        make_hook({"outputs": ["StagingPeering"]}, stack).run()
    assert str(caught.value).startswith("prod/us-east-1/peering: !accept_vpc_peering: ")
    assert problem in str(caught.value)
