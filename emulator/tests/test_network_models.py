"""The network types: create -> the EC2/Logs/IAM APIs show every declared property -> update ->
delete removes everything. One stack per test module, shaped like templates/network.py."""

import copy
import json

import pytest
from stack_helpers import unique

CIDR = "10.42.0.0/16"
ENDPOINT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}],
}


def network_template(log_group: str, role: str) -> dict:
    subnets = {
        f"Subnet{i}": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": {"Ref": "Vpc"},
                "AvailabilityZone": {"Fn::Select": [i, {"Fn::GetAZs": ""}]},
                "CidrBlock": {
                    "Fn::Select": [i, {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 2, 12]}]
                },
                "MapPublicIpOnLaunch": False,
            },
        }
        for i in (0, 1)
    }
    per_subnet = {}
    for i in (0, 1):
        per_subnet[f"RouteTable{i}"] = {
            "Type": "AWS::EC2::RouteTable",
            "Properties": {"VpcId": {"Ref": "Vpc"}},
        }
        per_subnet[f"RouteTable{i}Association"] = {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {
                "RouteTableId": {"Ref": f"RouteTable{i}"},
                "SubnetId": {"Ref": f"Subnet{i}"},
            },
        }
        per_subnet[f"AclAssociation{i}"] = {
            "Type": "AWS::EC2::SubnetNetworkAclAssociation",
            "Properties": {"NetworkAclId": {"Ref": "Acl"}, "SubnetId": {"Ref": f"Subnet{i}"}},
        }
    entries = {
        name: {
            "Type": "AWS::EC2::NetworkAclEntry",
            "Properties": {
                "NetworkAclId": {"Ref": "Acl"},
                "RuleNumber": number,
                "Egress": egress,
                "Protocol": protocol,
                "CidrBlock": cidr,
                "RuleAction": "allow",
                **({"PortRange": {"From": 443, "To": 443}} if protocol == 6 else {}),
            },
        }
        for name, number, egress, protocol, cidr in (
            ("InFromVpc", 100, False, -1, CIDR),
            ("OutHttps", 110, True, 6, "0.0.0.0/0"),
        )
    }
    return {
        "Resources": {
            "Vpc": {
                "Type": "AWS::EC2::VPC",
                "Properties": {
                    "CidrBlock": CIDR,
                    "EnableDnsSupport": True,
                    "EnableDnsHostnames": True,
                    "Tags": [{"Key": "Name", "Value": "vpc-dev-main"}],
                },
            },
            **subnets,
            **per_subnet,
            "Acl": {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": {"Ref": "Vpc"}}},
            **entries,
            "EndpointGroup": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": "endpoints",
                    "VpcId": {"Ref": "Vpc"},
                    "SecurityGroupEgress": [
                        {"IpProtocol": "-1", "CidrIp": "127.0.0.1/32", "Description": "none"}
                    ],
                },
            },
            "LambdaGroup": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": "lambdas",
                    "VpcId": {"Ref": "Vpc"},
                    "SecurityGroupIngress": [
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 22,
                            "ToPort": 22,
                            "CidrIp": CIDR,
                            "Description": "ssh",
                        }
                    ],
                },
            },
            "EndpointIngress": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Properties": {
                    "GroupId": {"Ref": "EndpointGroup"},
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "SourceSecurityGroupId": {"Ref": "LambdaGroup"},
                    "Description": "HTTPS from lambdas",
                },
            },
            "LambdaEgress": {
                "Type": "AWS::EC2::SecurityGroupEgress",
                "Properties": {
                    "GroupId": {"Ref": "LambdaGroup"},
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "DestinationSecurityGroupId": {"Ref": "EndpointGroup"},
                    "Description": "HTTPS to endpoints",
                },
            },
            "S3Endpoint": {
                "Type": "AWS::EC2::VPCEndpoint",
                "Properties": {
                    "VpcId": {"Ref": "Vpc"},
                    "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"},
                    "VpcEndpointType": "Gateway",
                    "RouteTableIds": [{"Ref": "RouteTable0"}, {"Ref": "RouteTable1"}],
                    "PolicyDocument": ENDPOINT_POLICY,
                },
            },
            "KmsEndpoint": {
                "Type": "AWS::EC2::VPCEndpoint",
                "Properties": {
                    "VpcId": {"Ref": "Vpc"},
                    "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.kms"},
                    "VpcEndpointType": "Interface",
                    "PrivateDnsEnabled": True,
                    "SubnetIds": [{"Ref": "Subnet0"}, {"Ref": "Subnet1"}],
                    "SecurityGroupIds": [{"Ref": "EndpointGroup"}],
                },
            },
            "FlowLogGroup": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {
                    "LogGroupName": log_group,
                    "RetentionInDays": 90,
                    "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
                },
            },
            "FlowLogRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": role,
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                                "Action": ["sts:AssumeRole"],
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": "deliver-flow-logs",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": ["logs:PutLogEvents"],
                                        "Resource": [{"Fn::GetAtt": ["FlowLogGroup", "Arn"]}],
                                    }
                                ],
                            },
                        }
                    ],
                },
            },
            "FlowLog": {
                "Type": "AWS::EC2::FlowLog",
                "Properties": {
                    "ResourceId": {"Ref": "Vpc"},
                    "ResourceType": "VPC",
                    "TrafficType": "ALL",
                    "LogDestinationType": "cloud-watch-logs",
                    "LogGroupName": {"Ref": "FlowLogGroup"},
                    "DeliverLogsPermissionArn": {"Fn::GetAtt": ["FlowLogRole", "Arn"]},
                },
            },
        },
        "Outputs": {
            "VpcId": {"Value": {"Ref": "Vpc"}},
            "VpcCidr": {"Value": {"Fn::GetAtt": ["Vpc", "CidrBlock"]}},
            "LogGroupArn": {"Value": {"Fn::GetAtt": ["FlowLogGroup", "Arn"]}},
            "RoleArn": {"Value": {"Fn::GetAtt": ["FlowLogRole", "Arn"]}},
        },
    }


@pytest.fixture(scope="module")
def network(stacks):
    names = {"log_group": f"/test/{unique('flow')}", "role": unique("flow-role")}
    template = network_template(**names)
    stack = stacks.create(template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    return {
        "stack": stack["StackName"],
        "template": template,
        **names,
        "ids": stacks.physical_ids(stack["StackName"]),
    }


def test_vpc_has_cidr_and_dns_attributes(network, client, stacks):
    ec2, vpc_id = client("ec2"), network["ids"]["Vpc"]
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert vpc["CidrBlock"] == CIDR
    assert {"Key": "Name", "Value": "vpc-dev-main"} in vpc["Tags"]
    assert {"Key": "aws:cloudformation:logical-id", "Value": "Vpc"} in vpc["Tags"]
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        answer = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
        assert answer[attribute[0].upper() + attribute[1:]] == {"Value": True}
    assert stacks.outputs(network["stack"])["VpcCidr"] == CIDR


def test_subnets_take_azs_and_cidrs_from_the_intrinsics(network, client):
    ids = network["ids"]
    subnets = client("ec2").describe_subnets(SubnetIds=[ids["Subnet0"], ids["Subnet1"]])["Subnets"]
    got = sorted((s["AvailabilityZone"], s["CidrBlock"], s["MapPublicIpOnLaunch"]) for s in subnets)
    assert got == [("us-east-1a", "10.42.0.0/20", False), ("us-east-1b", "10.42.16.0/20", False)]


def test_route_tables_are_associated_with_their_subnets(network, client):
    ids = network["ids"]
    for i in (0, 1):
        (table,) = client("ec2").describe_route_tables(RouteTableIds=[ids[f"RouteTable{i}"]])[
            "RouteTables"
        ]
        assert [a["SubnetId"] for a in table["Associations"]] == [ids[f"Subnet{i}"]]
        assert (
            ids[f"RouteTable{i}Association"] == table["Associations"][0]["RouteTableAssociationId"]
        )


def test_network_acl_has_entries_and_associations(network, client):
    ids = network["ids"]
    (acl,) = client("ec2").describe_network_acls(NetworkAclIds=[ids["Acl"]])["NetworkAcls"]
    assert {a["SubnetId"] for a in acl["Associations"]} == {ids["Subnet0"], ids["Subnet1"]}
    entries = {(e["RuleNumber"], e["Egress"]): e for e in acl["Entries"]}
    assert set(entries) == {(100, False), (110, True), (32767, False), (32767, True)}
    assert entries[(100, False)]["CidrBlock"] == CIDR
    assert entries[(110, True)]["PortRange"] == {"From": 443, "To": 443}
    assert entries[(32767, True)]["RuleAction"] == "deny"


def test_security_groups_have_exactly_the_declared_rules(network, client):
    ids = network["ids"]
    groups = {
        g["GroupId"]: g
        for g in client("ec2").describe_security_groups(
            GroupIds=[ids["EndpointGroup"], ids["LambdaGroup"]]
        )["SecurityGroups"]
    }
    endpoint, lambdas = groups[ids["EndpointGroup"]], groups[ids["LambdaGroup"]]
    assert endpoint["IpPermissionsEgress"] == [
        {
            "IpProtocol": "-1",
            "IpRanges": [{"CidrIp": "127.0.0.1/32", "Description": "none"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
    ]
    (ingress,) = endpoint["IpPermissions"]
    assert (ingress["FromPort"], ingress["UserIdGroupPairs"][0]["GroupId"]) == (
        443,
        ids["LambdaGroup"],
    )
    assert ingress["UserIdGroupPairs"][0]["Description"] == "HTTPS from lambdas"
    egress = {(p["IpProtocol"], p.get("FromPort")) for p in lambdas["IpPermissionsEgress"]}
    assert egress == {("-1", None), ("tcp", 443)}  # no egress declared inline: default stays
    (ssh,) = lambdas["IpPermissions"]
    assert ssh["IpRanges"] == [{"CidrIp": CIDR, "Description": "ssh"}]


def test_endpoints_have_type_policy_subnets_and_private_dns(network, client):
    ids = network["ids"]
    endpoints = {
        e["VpcEndpointId"]: e
        for e in client("ec2").describe_vpc_endpoints(
            VpcEndpointIds=[ids["S3Endpoint"], ids["KmsEndpoint"]]
        )["VpcEndpoints"]
    }
    s3, kms = endpoints[ids["S3Endpoint"]], endpoints[ids["KmsEndpoint"]]
    assert (s3["VpcEndpointType"], s3["ServiceName"]) == ("Gateway", "com.amazonaws.us-east-1.s3")
    assert json.loads(s3["PolicyDocument"]) == ENDPOINT_POLICY
    assert sorted(s3["RouteTableIds"]) == sorted([ids["RouteTable0"], ids["RouteTable1"]])
    assert (kms["VpcEndpointType"], kms["PrivateDnsEnabled"]) == ("Interface", True)
    assert sorted(kms["SubnetIds"]) == sorted([ids["Subnet0"], ids["Subnet1"]])
    assert [g["GroupId"] for g in kms["Groups"]] == [ids["EndpointGroup"]]


def test_flow_log_goes_to_the_encrypted_log_group_through_the_role(network, client, stacks):
    ids = network["ids"]
    (flow_log,) = client("ec2").describe_flow_logs(FlowLogIds=[ids["FlowLog"]])["FlowLogs"]
    outputs = stacks.outputs(network["stack"])
    assert flow_log["ResourceId"] == ids["Vpc"]
    assert flow_log["LogGroupName"] == network["log_group"]
    assert flow_log["DeliverLogsPermissionArn"] == outputs["RoleArn"]
    (group,) = client("logs").describe_log_groups(logGroupNamePrefix=network["log_group"])[
        "logGroups"
    ]
    assert (group["retentionInDays"], group["kmsKeyId"]) == (
        90,
        "arn:aws:kms:us-east-1:123456789012:key/k",
    )
    assert outputs["LogGroupArn"] == group["arn"]  # CloudFormation's Arn ends in ":*"
    policy = client("iam").get_role_policy(RoleName=network["role"], PolicyName="deliver-flow-logs")
    assert policy["PolicyDocument"]["Statement"][0]["Resource"] == [group["arn"]]


def test_update_changes_resources_in_place(network, client, stacks):
    template = copy.deepcopy(network["template"])
    resources = template["Resources"]
    resources["Vpc"]["Properties"]["EnableDnsHostnames"] = False
    resources["FlowLogGroup"]["Properties"]["RetentionInDays"] = 365
    resources["EndpointGroup"]["Properties"]["SecurityGroupEgress"][0]["CidrIp"] = "127.0.0.2/32"
    resources["Acl"]["Properties"]["Tags"] = [{"Key": "Name", "Value": "acl"}]
    resources["S3Endpoint"]["Properties"]["RouteTableIds"] = [{"Ref": "RouteTable0"}]
    stack = stacks.update(network["stack"], template)
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack
    ids = stacks.physical_ids(network["stack"])
    assert ids == network["ids"]  # all in place, nothing replaced
    ec2 = client("ec2")
    answer = ec2.describe_vpc_attribute(VpcId=ids["Vpc"], Attribute="enableDnsHostnames")
    assert answer["EnableDnsHostnames"] == {"Value": False}
    (group,) = client("logs").describe_log_groups(logGroupNamePrefix=network["log_group"])[
        "logGroups"
    ]
    assert group["retentionInDays"] == 365
    (sg,) = ec2.describe_security_groups(GroupIds=[ids["EndpointGroup"]])["SecurityGroups"]
    assert [r["CidrIp"] for p in sg["IpPermissionsEgress"] for r in p["IpRanges"]] == [
        "127.0.0.2/32"
    ]
    (endpoint,) = ec2.describe_vpc_endpoints(VpcEndpointIds=[ids["S3Endpoint"]])["VpcEndpoints"]
    assert endpoint["RouteTableIds"] == [ids["RouteTable0"]]
    network["template"] = template


def test_delete_removes_every_resource(network, client, stacks):
    ids = network["ids"]
    assert stacks.delete(network["stack"]) == "DELETE_COMPLETE"
    ec2 = client("ec2")
    vpc_filter = [{"Name": "vpc-id", "Values": [ids["Vpc"]]}]
    assert ec2.describe_vpcs(Filters=vpc_filter)["Vpcs"] == []
    assert ec2.describe_subnets(Filters=vpc_filter)["Subnets"] == []
    assert ec2.describe_security_groups(Filters=vpc_filter)["SecurityGroups"] == []
    assert ec2.describe_network_acls(Filters=vpc_filter)["NetworkAcls"] == []
    assert ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"] == []
    assert [
        e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["VpcId"] == ids["Vpc"]
    ] == []
    assert [f for f in ec2.describe_flow_logs()["FlowLogs"] if f["ResourceId"] == ids["Vpc"]] == []
    assert (
        client("logs").describe_log_groups(logGroupNamePrefix=network["log_group"])["logGroups"]
        == []
    )
    assert network["role"] not in {r["RoleName"] for r in client("iam").list_roles()["Roles"]}
