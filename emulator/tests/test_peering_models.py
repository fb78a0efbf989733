"""AWS::EC2::VPCPeeringConnection across accounts and AWS::EC2::Route through CloudFormation:
create (pending in both accounts), accept, route to it, update the route, delete everything."""

import pytest
from stack_helpers import Stacks

ACCOUNTS = {"staging": "222222222222", "prod": "333333333333"}


@pytest.fixture(scope="module")
def clients(client):
    result = {}
    for environment, account in ACCOUNTS.items():
        credentials = client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/tapstack-deploy-{environment}",
            RoleSessionName="peering-test",
        )["Credentials"]
        keys = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
        result[environment] = {s: client(s, **keys) for s in ("ec2", "cloudformation")}
    return result


def requester_template(peer_vpc: str, destination: str) -> dict:
    return {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.3.0.0/16"}},
            "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
            "Peering": {
                "Type": "AWS::EC2::VPCPeeringConnection",
                "Properties": {
                    "VpcId": {"Ref": "Vpc"},
                    "PeerVpcId": peer_vpc,
                    "PeerOwnerId": ACCOUNTS["staging"],
                    "PeerRegion": "us-east-1",
                    "Tags": [{"Key": "Name", "Value": "to-staging"}],
                },
            },
            "Route": {
                "Type": "AWS::EC2::Route",
                "Properties": {
                    "RouteTableId": {"Ref": "Table"},
                    "DestinationCidrBlock": destination,
                    "VpcPeeringConnectionId": {"Ref": "Peering"},
                },
            },
        },
        "Outputs": {"PeeringId": {"Value": {"Ref": "Peering"}}},
    }


def routes(ec2, table_id: str) -> set[tuple[str, str]]:
    (table,) = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"]
    return {
        (r["DestinationCidrBlock"], r["VpcPeeringConnectionId"])
        for r in table["Routes"]
        if "VpcPeeringConnectionId" in r
    }


def test_cross_account_peering_lifecycle(clients):
    staging, prod = clients["staging"], clients["prod"]
    peer_vpc = staging["ec2"].create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    stacks = Stacks(prod["cloudformation"])
    created = stacks.create(requester_template(peer_vpc, "10.2.0.0/16"))
    assert created["StackStatus"] == "CREATE_COMPLETE", created.get("StackStatusReason")
    name = created["StackName"]
    ids = stacks.physical_ids(name)
    connection = ids["Peering"]
    for side in (prod, staging):
        (seen,) = side["ec2"].describe_vpc_peering_connections(
            VpcPeeringConnectionIds=[connection]
        )["VpcPeeringConnections"]
        assert seen["Status"]["Code"] == "pending-acceptance"
        assert seen["AccepterVpcInfo"]["OwnerId"] == ACCOUNTS["staging"]
    staging["ec2"].accept_vpc_peering_connection(VpcPeeringConnectionId=connection)
    assert routes(prod["ec2"], ids["Table"]) == {("10.2.0.0/16", connection)}

    updated = stacks.update(name, requester_template(peer_vpc, "10.2.0.0/20"))
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    assert routes(prod["ec2"], ids["Table"]) == {("10.2.0.0/20", connection)}

    prod["cloudformation"].delete_stack(StackName=name)
    (gone,) = staging["ec2"].describe_vpc_peering_connections(VpcPeeringConnectionIds=[connection])[
        "VpcPeeringConnections"
    ]
    assert gone["Status"]["Code"] == "deleted"
