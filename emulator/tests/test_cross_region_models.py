"""Cross-region pieces on the local AWS: bucket replication, the self-managed StackSet, the
Route 53 private zone with failover records and an alarm health check."""

import json

import boto3
import pytest
from stack_helpers import service_trust, unique

VERSIONED = {"VersioningConfiguration": {"Status": "Enabled"}}

LOCAL_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def regional(endpoint: str, service: str, region: str):
    """A boto3 client of the default account in `region` of the local AWS."""
    return boto3.client(service, endpoint_url=endpoint, region_name=region, **LOCAL_KEYS)


def replicating_bucket(destination: str) -> dict:
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": service_trust("s3.amazonaws.com")},
            },
            "Source": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    **VERSIONED,
                    "ReplicationConfiguration": {
                        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                        "Rules": [
                            {
                                "Id": "all",
                                "Status": "Enabled",
                                "Priority": 1,
                                "Filter": {"Prefix": ""},
                                "DeleteMarkerReplication": {"Status": "Enabled"},
                                "Destination": {
                                    "Bucket": f"arn:aws:s3:::{destination}",
                                    "ReplicationTime": {
                                        "Status": "Enabled",
                                        "Time": {"Minutes": 15},
                                    },
                                    "Metrics": {
                                        "Status": "Enabled",
                                        "EventThreshold": {"Minutes": 15},
                                    },
                                },
                            }
                        ],
                    },
                },
            },
        },
        "Outputs": {"Source": {"Value": {"Ref": "Source"}}},
    }


def test_replication_is_recorded_and_answered_as_put(stacks, client):
    destination = unique("replica")
    client("s3").create_bucket(Bucket=destination)
    client("s3").put_bucket_versioning(
        Bucket=destination, VersioningConfiguration={"Status": "Enabled"}
    )
    stack = stacks.create(replicating_bucket(destination))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    source = stacks.outputs(stack["StackName"])["Source"]
    (rule,) = client("s3").get_bucket_replication(Bucket=source)["ReplicationConfiguration"][
        "Rules"
    ]
    assert rule["DeleteMarkerReplication"] == {"Status": "Enabled"}
    assert rule["Destination"]["ReplicationTime"] == {"Status": "Enabled", "Time": {"Minutes": 15}}
    assert rule["Destination"]["Bucket"] == f"arn:aws:s3:::{destination}"


@pytest.mark.parametrize("versioned", [False, None], ids=["unversioned", "missing"])
def test_replication_needs_an_existing_versioned_destination(stacks, client, versioned):
    destination = unique("replica")
    if versioned is False:
        client("s3").create_bucket(Bucket=destination)
    refused = stacks.create(replicating_bucket(destination))
    assert refused["StackStatus"] == "ROLLBACK_COMPLETE"
    expected = "versioning enabled" if versioned is False else "must exist"
    assert expected in refused["StackStatusReason"]


def stack_set_template(name: str, regions: list[str], baseline: dict, tolerance: int = 0) -> dict:
    admin = {"Fn::GetAtt": ["Admin", "Arn"]}
    return {
        "Resources": {
            "Admin": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": f"{name}-admin",
                    "AssumeRolePolicyDocument": service_trust("cloudformation.amazonaws.com"),
                },
            },
            "Execution": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": f"{name}-execution",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": admin},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                },
            },
            "Set": {
                "Type": "AWS::CloudFormation::StackSet",
                "Properties": {
                    "StackSetName": name,
                    "PermissionModel": "SELF_MANAGED",
                    "AdministrationRoleARN": admin,
                    "ExecutionRoleName": {"Ref": "Execution"},
                    "TemplateBody": json.dumps(baseline),
                    "Parameters": [{"ParameterKey": "Label", "ParameterValue": name}],
                    "StackInstancesGroup": [
                        {
                            "DeploymentTargets": {"Accounts": [{"Ref": "AWS::AccountId"}]},
                            "Regions": regions,
                        }
                    ],
                    "OperationPreferences": {
                        "FailureToleranceCount": tolerance,
                        "MaxConcurrentCount": 1,
                        "RegionConcurrencyType": "SEQUENTIAL",
                        "RegionOrder": regions,
                    },
                },
            },
        },
        "Outputs": {"Set": {"Value": {"Ref": "Set"}}},
    }


BASELINE = {
    "Parameters": {"Label": {"Type": "String"}},
    "Resources": {
        "Marker": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Name": {"Fn::Sub": "/baseline/${Label}/${AWS::Region}"},
                "Type": "String",
                "Value": {"Ref": "AWS::Region"},
            },
        }
    },
}


def test_stack_set_rolls_the_baseline_out_region_by_region(stacks, client, endpoint):
    name = unique("baseline")
    stack = stacks.create(stack_set_template(name, ["eu-west-1", "us-east-1"], BASELINE))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    instances = client("cloudformation").list_stack_instances(StackSetName=name)["Summaries"]
    assert [(i["Region"], i["Status"]) for i in instances] == [
        ("eu-west-1", "CURRENT"),
        ("us-east-1", "CURRENT"),
    ]
    for region in ("eu-west-1", "us-east-1"):
        ssm = regional(endpoint, "ssm", region)
        assert ssm.get_parameter(Name=f"/baseline/{name}/{region}")["Parameter"]["Value"] == region
    assert stacks.delete(stack["StackName"]) == "DELETE_COMPLETE"
    cloudformation = client("cloudformation")
    with pytest.raises(cloudformation.exceptions.StackSetNotFoundException):
        cloudformation.list_stack_instances(StackSetName=name)
    for region in ("eu-west-1", "us-east-1"):
        stacks_there = regional(endpoint, "cloudformation", region).describe_stacks()["Stacks"]
        assert not [s for s in stacks_there if name in s["StackName"]], region


def test_stack_set_without_its_execution_role_is_refused(stacks):
    name = unique("baseline")
    template = stack_set_template(name, ["us-east-1"], BASELINE)
    template["Resources"]["Set"]["Properties"]["ExecutionRoleName"] = "no-such-role"
    refused = stacks.create(template)
    assert refused["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "execution role no-such-role does not exist" in refused["StackStatusReason"]


def test_stack_set_stops_past_its_failure_tolerance(stacks):
    failing = {
        "Resources": {
            # A resource the region cannot create: the instance's stack rolls back.
            "Instance": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {"Engine": "mysql", "DBInstanceClass": "db.r5.large"},
            }
        }
    }
    failing["Parameters"] = {"Label": {"Type": "String"}}
    refused = stacks.create(stack_set_template(unique("baseline"), ["eu-west-1"], failing))
    assert refused["StackStatus"] == "ROLLBACK_COMPLETE"
    assert (
        "more stack instances failed in eu-west-1 than FailureToleranceCount"
        in (refused["StackStatusReason"])
    )


def dns_template(zone: str, vpcs: list[dict], alarm: str) -> dict:
    return {
        "Resources": {
            "Alarm": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": alarm,
                    "Namespace": "AWS/RDS",
                    "MetricName": "EngineUptime",
                    "Dimensions": [{"Name": "Role", "Value": "WRITER"}],
                    "Statistic": "Minimum",
                    "Period": 60,
                    "EvaluationPeriods": 3,
                    "Threshold": 0,
                    "ComparisonOperator": "LessThanOrEqualToThreshold",
                    "TreatMissingData": "breaching",
                },
            },
            "Zone": {
                "Type": "AWS::Route53::HostedZone",
                "Properties": {"Name": zone, "VPCs": vpcs},
            },
            "Check": {
                "Type": "AWS::Route53::HealthCheck",
                "Properties": {
                    "HealthCheckConfig": {
                        "Type": "CLOUDWATCH_METRIC",
                        "AlarmIdentifier": {"Name": {"Ref": "Alarm"}, "Region": "us-east-1"},
                        "InsufficientDataHealthStatus": "Unhealthy",
                    }
                },
            },
            "Primary": {
                "Type": "AWS::Route53::RecordSet",
                "Properties": {
                    "HostedZoneId": {"Ref": "Zone"},
                    "Name": f"writer.{zone}",
                    "Type": "CNAME",
                    "TTL": "30",
                    "SetIdentifier": "us-east-1",
                    "Failover": "PRIMARY",
                    "HealthCheckId": {"Ref": "Check"},
                    "ResourceRecords": ["primary.example.internal"],
                },
            },
            "Secondary": {
                "Type": "AWS::Route53::RecordSet",
                "Properties": {
                    "HostedZoneId": {"Ref": "Zone"},
                    "Name": f"writer.{zone}",
                    "Type": "CNAME",
                    "TTL": "30",
                    "SetIdentifier": "eu-west-1",
                    "Failover": "SECONDARY",
                    "ResourceRecords": ["secondary.example.internal"],
                },
            },
        },
        "Outputs": {
            "Zone": {"Value": {"Ref": "Zone"}},
            "Check": {"Value": {"Ref": "Check"}},
            "AlarmArn": {"Value": {"Fn::GetAtt": ["Alarm", "Arn"]}},
        },
    }


def test_private_zone_failover_records_and_alarm_health_check(stacks, client, endpoint):
    vpcs = []
    for region in ("us-east-1", "eu-west-1"):
        ec2 = regional(endpoint, "ec2", region)
        # A CIDR no other test looks for (the server is shared by the session).
        vpc_id = ec2.create_vpc(CidrBlock="10.178.0.0/16")["Vpc"]["VpcId"]
        vpcs.append({"VPCId": vpc_id, "VPCRegion": region})
    zone, alarm = f"{unique('z')}.internal", unique("writer-down")
    stack = stacks.create(dns_template(zone, vpcs, alarm))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = stacks.outputs(stack["StackName"])
    route53 = client("route53")
    described = route53.get_hosted_zone(Id=outputs["Zone"])
    assert described["HostedZone"]["Config"]["PrivateZone"] is True
    assert [(v["VPCId"], v["VPCRegion"]) for v in described["VPCs"]] == [
        (v["VPCId"], v["VPCRegion"]) for v in vpcs
    ]
    records = [
        r
        for r in route53.list_resource_record_sets(HostedZoneId=outputs["Zone"])[
            "ResourceRecordSets"
        ]
        if r["Type"] == "CNAME"
    ]
    assert sorted((r["Failover"], r["SetIdentifier"]) for r in records) == [
        ("PRIMARY", "us-east-1"),
        ("SECONDARY", "eu-west-1"),
    ]
    check = route53.get_health_check(HealthCheckId=outputs["Check"])["HealthCheck"]
    assert check["HealthCheckConfig"]["AlarmIdentifier"] == {"Name": alarm, "Region": "us-east-1"}
    assert check["HealthCheckConfig"]["InsufficientDataHealthStatus"] == "Unhealthy"
    assert outputs["AlarmArn"].endswith(f":alarm:{alarm}")

    # Removing one failover record leaves the other (records are name + type + set id).
    template = dns_template(zone, vpcs, alarm)
    del template["Resources"]["Secondary"]
    updated = stacks.update(stack["StackName"], template)
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    remaining = [
        r["SetIdentifier"]
        for r in route53.list_resource_record_sets(HostedZoneId=outputs["Zone"])[
            "ResourceRecordSets"
        ]
        if r["Type"] == "CNAME"
    ]
    assert remaining == ["us-east-1"]
    assert stacks.delete(stack["StackName"]) == "DELETE_COMPLETE"
    assert all(h["Id"] != outputs["Check"] for h in route53.list_health_checks()["HealthChecks"])
    for vpc in vpcs:
        regional(endpoint, "ec2", vpc["VPCRegion"]).delete_vpc(VpcId=vpc["VPCId"])


def test_private_zone_with_a_missing_vpc_is_refused(stacks):
    vpcs = [{"VPCId": "vpc-0123456789abcdef0", "VPCRegion": "eu-west-1"}]
    refused = stacks.create(dns_template(f"{unique('z')}.internal", vpcs, unique("alarm")))
    assert refused["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "VPC vpc-0123456789abcdef0 does not exist in eu-west-1" in refused["StackStatusReason"]
