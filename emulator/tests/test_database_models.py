"""Local Aurora: DB subnet group, parameter groups, cluster and instance on MariaDB."""

import json
import urllib.request

import pymysql
import pytest
from stack_helpers import unique

SUBNETS = {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.91.0.0/16"}},
    "SubnetA": {
        "Type": "AWS::EC2::Subnet",
        "Properties": {
            "VpcId": {"Ref": "Vpc"},
            "CidrBlock": "10.91.0.0/24",
            "AvailabilityZone": "us-east-1a",
        },
    },
}
KEY_ARN = {"Fn::GetAtt": ["Key", "Arn"]}


def template(database: str, user: str, retention: int = 7, policy: str = "Delete") -> dict:
    return {
        "Resources": {
            **SUBNETS,
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "database"}},
            "SubnetGroup": {
                "Type": "AWS::RDS::DBSubnetGroup",
                "Properties": {
                    "DBSubnetGroupDescription": "private",
                    "SubnetIds": [{"Ref": "SubnetA"}],
                },
            },
            "ClusterParameters": {
                "Type": "AWS::RDS::DBClusterParameterGroup",
                "Properties": {
                    "Description": "tls",
                    "Family": "aurora-mysql8.0",
                    "Parameters": {"require_secure_transport": "ON", "long_query_time": 1},
                },
            },
            "InstanceParameters": {
                "Type": "AWS::RDS::DBParameterGroup",
                "Properties": {
                    "Description": "slow log",
                    "Family": "aurora-mysql8.0",
                    "Parameters": {"slow_query_log": "1"},
                },
            },
            "Cluster": {
                "Type": "AWS::RDS::DBCluster",
                "DeletionPolicy": policy,
                "Properties": {
                    "Engine": "aurora-mysql",
                    "EngineVersion": "8.0.mysql_aurora.3.05.2",
                    "DatabaseName": database,
                    "MasterUsername": user,
                    "ManageMasterUserPassword": True,
                    "MasterUserSecret": {"KmsKeyId": KEY_ARN},
                    "StorageEncrypted": True,
                    "KmsKeyId": KEY_ARN,
                    "DBSubnetGroupName": {"Ref": "SubnetGroup"},
                    "DBClusterParameterGroupName": {"Ref": "ClusterParameters"},
                    "BackupRetentionPeriod": retention,
                    "EnableIAMDatabaseAuthentication": True,
                    "EnableCloudwatchLogsExports": ["error", "slowquery"],
                },
            },
            "Writer": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {
                    "Engine": "aurora-mysql",
                    "DBClusterIdentifier": {"Ref": "Cluster"},
                    "DBInstanceClass": "db.r5.large",
                    "DBParameterGroupName": {"Ref": "InstanceParameters"},
                },
            },
        },
        "Outputs": {
            "Cluster": {"Value": {"Ref": "Cluster"}},
            "Address": {"Value": {"Fn::GetAtt": ["Cluster", "Endpoint.Address"]}},
            "Port": {"Value": {"Fn::GetAtt": ["Cluster", "Endpoint.Port"]}},
            "Reader": {"Value": {"Fn::GetAtt": ["Cluster", "ReadEndpoint.Address"]}},
            "Secret": {"Value": {"Fn::GetAtt": ["Cluster", "MasterUserSecret.SecretArn"]}},
        },
    }


@pytest.fixture(scope="module")
def ca_bundle(endpoint) -> str:
    with urllib.request.urlopen(endpoint + "/tapstack-emulator/health") as response:  # noqa: S310
        return json.loads(response.read())["ca_bundle"]


def connect(outputs: dict[str, str], credentials: dict[str, str], database: str, ca: str):
    """Connect as Aurora clients do: verified TLS."""
    return pymysql.connect(
        host=outputs["Address"],
        port=int(outputs["Port"]),
        user=credentials["username"],
        password=credentials["password"],
        database=database,
        ssl_ca=ca,
        ssl_verify_cert=True,
        ssl_verify_identity=True,
        connect_timeout=5,
    )


def test_cluster_lifecycle_on_local_mariadb(stacks, client, ca_bundle):
    # GIVEN a database stack
    database, user = unique("db").replace("-", "_"), unique("admin").replace("-", "_")
    stack = stacks.create(template(database, user))
    name = stack["StackName"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = stacks.outputs(name)

    # THEN RDS describes what the template declared, at the local server
    rds = client("rds")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=outputs["Cluster"])["DBClusters"][0]
    assert (cluster["Endpoint"], cluster["ReaderEndpoint"]) == ("127.0.0.1", "127.0.0.1")
    assert outputs["Address"] == outputs["Reader"] == "127.0.0.1"
    assert str(cluster["Port"]) == outputs["Port"]
    assert cluster["StorageEncrypted"] is True
    assert cluster["KmsKeyId"].startswith("arn:aws:kms:")
    assert cluster["BackupRetentionPeriod"] == 7
    assert cluster["IAMDatabaseAuthenticationEnabled"] is True
    assert cluster["EnabledCloudwatchLogsExports"] == ["error", "slowquery"]
    assert cluster["MasterUserSecret"]["SecretArn"] == outputs["Secret"]
    assert cluster["MasterUserSecret"]["KmsKeyId"] == cluster["KmsKeyId"]
    [member] = cluster["DBClusterMembers"]
    instance = rds.describe_db_instances(DBInstanceIdentifier=member["DBInstanceIdentifier"])
    assert instance["DBInstances"][0]["Endpoint"]["Address"] == "127.0.0.1"
    parameters = rds.describe_db_cluster_parameters(
        DBClusterParameterGroupName=cluster["DBClusterParameterGroup"]
    )["Parameters"]
    assert {p["ParameterName"]: p["ParameterValue"] for p in parameters} == {
        "require_secure_transport": "ON",
        "long_query_time": "1",
    }

    # AND the RDS-managed secret holds working credentials for the database, over TLS
    secrets = client("secretsmanager")
    described = secrets.describe_secret(SecretId=outputs["Secret"])
    assert described["Name"].startswith("rds!cluster-")
    assert described["KmsKeyId"] == cluster["KmsKeyId"]
    credentials = json.loads(secrets.get_secret_value(SecretId=outputs["Secret"])["SecretString"])
    assert credentials["username"] == user
    with connect(outputs, credentials, database, ca_bundle) as connection:
        cursor = connection.cursor()
        cursor.execute("SHOW STATUS LIKE 'Ssl_version'")
        assert cursor.fetchone()[1].startswith("TLS")
        cursor.execute("CREATE TABLE kept (id INT PRIMARY KEY)")

    # WHEN an in-place property changes THEN the cluster (and its data) stay
    updated = stacks.update(name, template(database, user, retention=30))
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=outputs["Cluster"])["DBClusters"][0]
    assert cluster["BackupRetentionPeriod"] == 30
    with connect(outputs, credentials, database, ca_bundle) as connection:
        connection.cursor().execute("SELECT * FROM kept")

    # WHEN the stack is deleted THEN the user and database are gone
    assert stacks.delete(name) == "DELETE_COMPLETE"
    assert rds.describe_db_clusters()["DBClusters"] == [] or outputs["Cluster"] not in {
        c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]
    }
    with pytest.raises(pymysql.err.OperationalError, match="Access denied"):
        connect(outputs, credentials, database, ca_bundle)


def test_snapshot_policy_records_a_final_snapshot_and_drops_the_database(stacks, client, ca_bundle):
    database, user = unique("snap").replace("-", "_"), unique("owner").replace("-", "_")
    stack = stacks.create(template(database, user, policy="Snapshot"))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = stacks.outputs(stack["StackName"])
    credentials = json.loads(
        client("secretsmanager").get_secret_value(SecretId=outputs["Secret"])["SecretString"]
    )
    with connect(outputs, credentials, database, ca_bundle) as connection:
        connection.cursor().execute("CREATE TABLE gone (id INT PRIMARY KEY)")

    assert stacks.delete(stack["StackName"]) == "DELETE_COMPLETE"
    snapshots = client("rds").describe_db_cluster_snapshots(
        DBClusterIdentifier=outputs["Cluster"], SnapshotType="manual"
    )["DBClusterSnapshots"]
    assert len(snapshots) == 1

    # a new cluster with the same names starts from an empty database
    again = stacks.create(template(database, user))
    assert again["StackStatus"] == "CREATE_COMPLETE", again.get("StackStatusReason")
    outputs = stacks.outputs(again["StackName"])
    credentials = json.loads(
        client("secretsmanager").get_secret_value(SecretId=outputs["Secret"])["SecretString"]
    )
    with connect(outputs, credentials, database, ca_bundle) as connection:
        cursor = connection.cursor()
        cursor.execute("SHOW TABLES")
        assert cursor.fetchall() == ()
    assert stacks.delete(again["StackName"]) == "DELETE_COMPLETE"
