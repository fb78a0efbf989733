"""Aurora global database on the local AWS: GlobalCluster, primary with a generated secret
reached through a dynamic reference, secondary in another region without credentials."""

import json
import urllib.request

import boto3
import pymysql
import pytest
from stack_helpers import Stacks, unique

KEY_ARN = {"Fn::GetAtt": ["Key", "Arn"]}
SECONDARY_REGION = "eu-west-1"
REPLICA_KEY = "arn:aws:kms:eu-west-1:123456789012:key/00000000-1111-2222-3333-444444444444"

LOCAL_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def regional(endpoint: str, service: str, region: str):
    """A boto3 client of the default account in `region` of the local AWS."""
    return boto3.client(service, endpoint_url=endpoint, region_name=region, **LOCAL_KEYS)


def primary_template(global_id: str, cluster_id: str, database: str) -> dict:
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "global"}},
            "Global": {
                "Type": "AWS::RDS::GlobalCluster",
                "Properties": {
                    "GlobalClusterIdentifier": global_id,
                    "Engine": "aurora-mysql",
                    "EngineVersion": "8.0.mysql_aurora.3.08.2",
                    "StorageEncrypted": True,
                },
            },
            "Secret": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "Name": f"{cluster_id}/master",
                    "KmsKeyId": KEY_ARN,
                    "GenerateSecretString": {
                        "SecretStringTemplate": '{"username": "admin_user"}',
                        "GenerateStringKey": "password",
                        "PasswordLength": 24,
                        "ExcludeCharacters": "\"'@/\\`%:;?&=+#$ ",
                    },
                    "ReplicaRegions": [{"Region": SECONDARY_REGION, "KmsKeyId": REPLICA_KEY}],
                },
            },
            "Cluster": {
                "Type": "AWS::RDS::DBCluster",
                "Properties": {
                    "DBClusterIdentifier": cluster_id,
                    "Engine": "aurora-mysql",
                    "EngineVersion": "8.0.mysql_aurora.3.08.2",
                    "GlobalClusterIdentifier": {"Ref": "Global"},
                    "DatabaseName": database,
                    "MasterUsername": "admin_user",
                    "MasterUserPassword": {
                        "Fn::Sub": [
                            "{{resolve:secretsmanager:${S}:SecretString:password}}",
                            {"S": {"Ref": "Secret"}},
                        ]
                    },
                    "StorageEncrypted": True,
                    "KmsKeyId": KEY_ARN,
                },
            },
            "Attachment": {
                "Type": "AWS::SecretsManager::SecretTargetAttachment",
                "Properties": {
                    "SecretId": {"Ref": "Secret"},
                    "TargetId": {"Ref": "Cluster"},
                    "TargetType": "AWS::RDS::DBCluster",
                },
            },
        },
        "Outputs": {
            "Global": {"Value": {"Ref": "Global"}},
            "Secret": {"Value": {"Ref": "Secret"}},
            "Address": {"Value": {"Fn::GetAtt": ["Cluster", "Endpoint.Address"]}},
            "Port": {"Value": {"Fn::GetAtt": ["Cluster", "Endpoint.Port"]}},
        },
    }


def secondary_template(global_id: str, cluster_id: str, **extra: object) -> dict:
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "secondary"}},
            "Cluster": {
                "Type": "AWS::RDS::DBCluster",
                "Properties": {
                    "DBClusterIdentifier": cluster_id,
                    "Engine": "aurora-mysql",
                    "EngineVersion": "8.0.mysql_aurora.3.08.2",
                    "GlobalClusterIdentifier": global_id,
                    "StorageEncrypted": True,
                    "KmsKeyId": KEY_ARN,
                    **extra,
                },
            },
        },
        "Outputs": {
            "Address": {"Value": {"Fn::GetAtt": ["Cluster", "Endpoint.Address"]}},
            "Port": {"Value": {"Fn::GetAtt": ["Cluster", "Endpoint.Port"]}},
        },
    }


@pytest.fixture(scope="module")
def secondary_stacks(endpoint) -> Stacks:
    return Stacks(regional(endpoint, "cloudformation", SECONDARY_REGION))


@pytest.fixture(scope="module")
def ca_bundle(endpoint) -> str:
    with urllib.request.urlopen(endpoint + "/tapstack-emulator/health") as response:  # noqa: S310
        return json.loads(response.read())["ca_bundle"]


def test_global_database_primary_and_secondary(stacks, secondary_stacks, client, ca_bundle):
    # GIVEN a global database whose primary takes its password from a generated secret
    global_id, cluster_id = unique("global"), unique("aurora")
    database = unique("db").replace("-", "_")
    primary = stacks.create(primary_template(global_id, cluster_id, database))
    assert primary["StackStatus"] == "CREATE_COMPLETE", primary.get("StackStatusReason")
    outputs = stacks.outputs(primary["StackName"])

    # WHEN the secondary joins it from another region, with no credentials of its own
    secondary = secondary_stacks.create(secondary_template(global_id, cluster_id))
    assert secondary["StackStatus"] == "CREATE_COMPLETE", secondary.get("StackStatusReason")

    # THEN RDS reports one writer (the primary) and one read-only secondary
    (described,) = [
        g
        for g in client("rds").describe_global_clusters()["GlobalClusters"]
        if g["GlobalClusterIdentifier"] == global_id
    ]
    members = {
        m["DBClusterArn"].split(":")[3]: m["IsWriter"] for m in described["GlobalClusterMembers"]
    }
    assert members == {"us-east-1": True, SECONDARY_REGION: False}

    # AND the secret (replicated to the secondary region) holds the password the database
    # took through the dynamic reference, plus the attachment's connection facts
    secrets = client("secretsmanager")
    secret = json.loads(secrets.get_secret_value(SecretId=outputs["Secret"])["SecretString"])
    assert secret["host"] == outputs["Address"] and secret["port"] == int(outputs["Port"])
    assert secret["dbClusterIdentifier"] == cluster_id
    replica = regional(secrets.meta.endpoint_url, "secretsmanager", SECONDARY_REGION)
    # (the replica keeps name and suffix: only the ARN's region differs, as the database
    # template's secondary assumes)
    replica_arn = outputs["Secret"].replace(":us-east-1:", f":{SECONDARY_REGION}:")
    described = replica.describe_secret(SecretId=replica_arn)
    assert described["Name"] == f"{cluster_id}/master"
    assert described["KmsKeyId"] == REPLICA_KEY  # the replica's own region's key

    # AND the secondary serves the primary's data (storage-level replication = shared storage)
    secondary_outputs = secondary_stacks.outputs(secondary["StackName"])
    for where in (outputs, secondary_outputs):
        with (
            pymysql.connect(
                host=where["Address"],
                port=int(where["Port"]),
                user=secret["username"],
                password=secret["password"],
                database=database,
                ssl_ca=ca_bundle,
                connect_timeout=5,
            ) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute("SELECT DATABASE()")
            assert cursor.fetchone() == (database,)

    # AND a global cluster cannot go while it has members; in order, everything deletes
    assert secondary_stacks.delete(secondary["StackName"]) == "DELETE_COMPLETE"
    assert stacks.delete(primary["StackName"]) == "DELETE_COMPLETE", stacks.events(
        primary["StackName"]
    )[-4:]
    remaining = [
        g["GlobalClusterIdentifier"]
        for g in client("rds").describe_global_clusters()["GlobalClusters"]
    ]
    assert global_id not in remaining


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        pytest.param(
            {"MasterUsername": "someone"},
            "MasterUsername cannot be set on a secondary cluster",
            id="secondary-with-a-user",
        ),
    ],
)
def test_secondary_with_own_credentials_is_refused(stacks, secondary_stacks, extra, reason):
    global_id, cluster_id = unique("global"), unique("aurora")
    primary = stacks.create(primary_template(global_id, cluster_id, "db_one"))
    assert primary["StackStatus"] == "CREATE_COMPLETE", primary.get("StackStatusReason")
    refused = secondary_stacks.create(secondary_template(global_id, cluster_id, **extra))
    assert refused["StackStatus"] == "ROLLBACK_COMPLETE"
    assert reason in refused["StackStatusReason"]
    assert stacks.delete(primary["StackName"]) == "DELETE_COMPLETE"


def test_rds_managed_password_cannot_join_a_global_database(stacks):
    global_id, cluster_id = unique("global"), unique("aurora")
    template = primary_template(global_id, cluster_id, "db_two")
    cluster = template["Resources"]["Cluster"]["Properties"]
    del cluster["MasterUserPassword"]
    cluster["ManageMasterUserPassword"] = True
    del template["Resources"]["Attachment"]
    refused = stacks.create(template)
    assert refused["StackStatus"] == "ROLLBACK_COMPLETE"
    assert (
        "not supported for DB clusters that are part of an Aurora global database"
        in (refused["StackStatusReason"])
    )


def test_dynamic_reference_to_a_missing_key_fails_the_resource(stacks):
    template = primary_template(unique("global"), unique("aurora"), "db_three")
    sub = template["Resources"]["Cluster"]["Properties"]["MasterUserPassword"]["Fn::Sub"]
    sub[0] = sub[0].replace(":password}}", ":no_such_key}}")
    refused = stacks.create(template)
    assert refused["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "has no key no_such_key" in refused["StackStatusReason"]
