"""End to end on the local AWS: the whole estate, brought up with the README's commands (the
`estate` fixture, tests/conftest.py), checked group by group in dev, staging and prod/us-east-1:
each group lands in its own account through its deploy role. Relaunch, diff, blast radius and
delete are tests/test_whole_estate_e2e.py.
"""

import ipaddress
import json
import re
import uuid
from types import SimpleNamespace

import boto3
import pymysql
import pytest
from tapstack_hooks.build_context import context_tag
from tapstack_tools import deployers, rotation_demo, sync_demo, validator_demo, workflow_runs
from tapstack_tools.aws_accounts import account_session, accounts
from tapstack_tools.deployment import (
    GROUPS,
    PROJECT_DIR,
    VALIDATOR_CONTEXT,
    group_state,
    peering_states,
    run_sceptre,
    stacks_of,
)
from tapstack_tools.project_copy import copy_project

pytestmark = pytest.mark.e2e

AZ_COUNT = {"dev": 2, "staging": 2, "prod": 3}
VPC_CIDR = {"dev": "10.1.0.0/16", "staging": "10.2.0.0/16", "prod": "10.3.0.0/16"}
ENVIRONMENTS = tuple(group.split("/")[0] for group in GROUPS)
STACKS = (
    "iam",
    "kms",
    "network",
    "endpoints",
    "storage",
    "registry",
    "monitoring",
    "cluster",
    "database",
    "users",
    "migrations",
    "compute",
    "peering-accepter",  # staging, dev: prod's peering; prod: eu-west-1's
)
GROUP_STACKS = {
    group: STACKS + (("peering", "sync", "dns") if group == "prod/us-east-1" else ())
    for group in GROUPS
}


@pytest.fixture(autouse=True)
def _aws_environment(local_aws_env):
    """sceptre, Sceptre's connection manager and boto3 all reach the local AWS."""


def outputs(group: str, stack: str) -> dict[str, str]:
    (state,) = [s for s in group_state(group) if s.name == f"{group}/{stack}"]
    return state.outputs


def test_bad_config_launch_touches_no_stack(local_aws, tmp_path):
    # Runs before the estate fixture brings anything up: every account is still empty.
    # with policy_rules: every stack's !cfn_lint hook runs them first (decision 0047)
    project = copy_project(tmp_path / "project")
    config = project / "config/config.yaml"
    config.write_text(
        config.read_text().replace("us-east-1: 10.2.0.0/16", "us-east-1: 10.1.0.0/16")
    )
    result = run_sceptre("launch", "-y", "", project_dir=project)
    assert result.returncode != 0
    assert "overlaps" in result.output, result.output
    assert result.writes == () and result.assumed == (), (result.writes, result.assumed)
    for environment in ENVIRONMENTS:
        cloudformation = account_session(environment).client("cloudformation")
        assert cloudformation.list_stacks()["StackSummaries"] == [], environment


@pytest.fixture(scope="module")
def launched(estate, local_aws):
    """Every group's stacks, as the whole-estate launch left them."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in local_aws.env().items():
            patch.setenv(name, value)
        return {group: group_state(group) for group in GROUPS}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_deploy_role_admits_only_its_own_deployer(launched, environment):
    role_arn = f"arn:aws:iam::{accounts()[environment]}:role/tapstack-deploy-{environment}"
    for deployer in ENVIRONMENTS:
        keys = deployers.credentials(deployer)
        sts = boto3.client(
            "sts",
            aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
        )
        if deployer == environment:
            sts.assume_role(RoleArn=role_arn, RoleSessionName="own-deployer")
            continue
        with pytest.raises(sts.exceptions.ClientError, match="AccessDenied"):
            sts.assume_role(RoleArn=role_arn, RoleSessionName="other-deployer")


def test_every_stack_is_created_in_its_own_account(launched):
    for group, states in launched.items():
        assert {s.name.rsplit("/", 1)[1] for s in states} == set(GROUP_STACKS[group])
        assert {s.status for s in states} == {"CREATE_COMPLETE"}, states
        environment = group.split("/")[0]
        names = {
            summary["StackName"]
            for summary in account_session(environment)
            .client("cloudformation")
            .list_stacks()["StackSummaries"]
            if summary["StackStatus"] != "DELETE_COMPLETE"
            # in prod, the global stackset's instances too (tests/test_second_region_e2e.py)
            and not summary["StackName"].startswith("StackSet:")
        }
        expected = {f"tapstack-{group.replace('/', '-')}-{s}" for s in GROUP_STACKS[group]}
        if environment == "prod":  # prod's account and home region also hold the global group
            expected |= {"tapstack-global-stackset"}
        assert names == expected


def test_outputs_flow_through_stack_output(launched):
    for group in GROUPS:
        key_arn = outputs(group, "kms")["KeyArn"]
        for stack in stacks_of(group):
            if stack.name.endswith(("/network", "/storage", "/cluster", "/database")):
                described = stack.connection_manager.call(
                    "cloudformation", "describe_stacks", {"StackName": stack.external_name}
                )["Stacks"][0]
                parameters = {
                    p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]
                }
                assert parameters["KmsKeyArn"] == key_arn, stack.name


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_vpc_and_subnets_match_the_address_plan(launched, environment):
    group = f"{environment}/us-east-1"
    ec2 = account_session(environment).client("ec2")
    vpc_id = outputs(group, "network")["VpcId"]
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert vpc["CidrBlock"] == VPC_CIDR[environment]
    network = ipaddress.IPv4Network(VPC_CIDR[environment])
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert len(subnets) == AZ_COUNT[environment]
    cidrs = [ipaddress.IPv4Network(s["CidrBlock"]) for s in subnets]
    assert all(cidr.subnet_of(network) and cidr.prefixlen == 20 for cidr in cidrs)
    assert len({s["AvailabilityZone"] for s in subnets}) == AZ_COUNT[environment]
    assert not any(s["MapPublicIpOnLaunch"] for s in subnets)
    assert (
        ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
            "InternetGateways"
        ]
        == []
    )
    assert (
        ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
        == []
    )
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "VpcEndpoints"
    ]
    services = {e["ServiceName"].rsplit(".", 1)[1]: e for e in endpoints}
    assert set(services) == {"s3", "secretsmanager", "ssm", "sts", "kms", "logs", "ec2"}
    assert services["s3"]["VpcEndpointType"] == "Gateway"
    assert all(services[s]["PrivateDnsEnabled"] for s in services if s != "s3")
    # every endpoint carries its data-perimeter policy (evaluated in tests/test_data_perimeter.py)
    account = accounts()[environment]
    for service, endpoint in services.items():
        (first, *_) = json.loads(endpoint["PolicyDocument"])["Statement"]
        assert first["Condition"]["StringEquals"] == {
            "aws:PrincipalAccount": account,
            "aws:ResourceAccount": account,
        }, service
    # the VPC's default security group was left with no rules by the database stack
    (default,) = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    assert default["GroupId"] == outputs(group, "network")["DefaultSecurityGroupId"]
    assert (default["IpPermissions"], default["IpPermissionsEgress"]) == ([], [])
    acls = ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default", "Values": ["false"]}]
    )
    (acl,) = acls["NetworkAcls"]
    assert {a["SubnetId"] for a in acl["Associations"]} == {s["SubnetId"] for s in subnets}
    rules = {(e["RuleNumber"], e["Egress"]) for e in acl["Entries"] if 100 <= e["RuleNumber"] < 200}
    assert rules == {(100, False), (110, False), (111, False), (100, True), (110, True)}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_key_rotates_under_its_alias_with_exact_principals(launched, environment):
    kms = account_session(environment).client("kms")
    key_arn = outputs(f"{environment}/us-east-1", "kms")["KeyArn"]
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True
    aliases = {
        a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases(KeyId=key_arn)["Aliases"]
    }
    assert f"alias/tapstack-{environment}" in aliases
    policy = json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
    principals = [s["Principal"] for s in policy["Statement"]]
    assert {
        "AWS": f"arn:aws:iam::{accounts()[environment]}:role/tapstack-deploy-{environment}"
    } in principals
    assert all(p != "*" and p.get("AWS") != "*" for p in principals)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("output", ["MigrationBucketName", "AuditLogBucketName"])
def test_buckets_have_the_declared_protections(launched, environment, output):
    group = f"{environment}/us-east-1"
    s3 = account_session(environment).client("s3")
    bucket = outputs(group, "storage")[output]
    key_arn = outputs(group, "kms")["KeyArn"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key_arn,
    }
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    lifecycle = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    noncurrent_days = 365 if output == "AuditLogBucketName" else 30
    assert (
        lifecycle["expire-noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"]
        == noncurrent_days
    )
    logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert logging["TargetBucket"] == outputs(group, "storage")["AccessLogBucketName"]
    if output == "AuditLogBucketName":  # the account's trail delivers here
        cloudtrail = account_session(environment).client("cloudtrail")
        (trail,) = cloudtrail.describe_trails()["trailList"]
        assert (trail["S3BucketName"], trail["KmsKeyId"]) == (bucket, key_arn)
        assert trail["IsMultiRegionTrail"] is (environment == "prod")
        assert cloudtrail.get_trail_status(Name=trail["Name"])["IsLogging"] is True
    if output == "AuditLogBucketName":  # Object Lock, governance mode, a year
        lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
        assert lock == {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365}},
        }
    assert lifecycle["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 7
    }
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["DenyInsecureTransport"]["Effect"] == "Deny"
    assert statements["DenyInsecureTransport"]["Condition"] == {
        "Bool": {"aws:SecureTransport": False}
    }
    # the network perimeter names this VPC's S3 endpoint (tests/test_data_perimeter.py)
    perimeter = statements["DenyOutsideTheVpcEndpoint"]["Condition"]
    endpoint = outputs(group, "network")["S3GatewayEndpointId"]
    assert perimeter["StringNotEqualsIfExists"] == {"aws:SourceVpce": endpoint}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_database_is_encrypted_and_publishes_secure_connection_parameters(launched, environment):
    group = f"{environment}/us-east-1"
    session = account_session(environment)
    key_arn = outputs(group, "kms")["KeyArn"]
    database = outputs(group, "cluster")
    (cluster,) = session.client("rds").describe_db_clusters(
        DBClusterIdentifier=database["ClusterIdentifier"]
    )["DBClusters"]
    assert cluster["StorageEncrypted"] is True
    assert cluster["KmsKeyId"] == key_arn
    assert cluster["BackupRetentionPeriod"] == (30 if environment == "prod" else 7)
    if environment == "prod":
        # prod's cluster is the primary of an Aurora global database, where RDS cannot manage
        # the master secret: the stack generates it, under the same environment key.
        assert "MasterUserSecret" not in cluster
        assert cluster["GlobalClusterIdentifier"] == database["GlobalClusterIdentifier"]
        described = session.client("secretsmanager").describe_secret(
            SecretId=database["MasterSecretArn"]
        )
        assert described["KmsKeyId"] == key_arn
    else:
        assert cluster["MasterUserSecret"]["KmsKeyId"] == key_arn
    ssm = session.client("ssm")
    described = {
        p["Name"]: p
        for p in ssm.describe_parameters(
            ParameterFilters=[
                {"Key": "Path", "Option": "Recursive", "Values": [f"/tapstack/{environment}/db"]}
            ]
        )["Parameters"]
    }
    # The stable writer name the validator connects through: a standalone cluster's stack
    # publishes its own endpoint; prod's comes from the baseline StackSet (global group,
    # tests/test_second_region_e2e.py), not from any stack of this group.
    writer_name = described.pop(f"/tapstack/{environment}/db/writer-dns", None)
    if environment != "prod":
        assert writer_name is not None and writer_name["Type"] == "String"
        published = ssm.get_parameter(Name=writer_name["Name"])["Parameter"]["Value"]
        assert published == database["ClusterEndpoint"]
    leaves = ("endpoint", "port", "name", "secret-arn")
    assert set(described) == {f"/tapstack/{environment}/db/{leaf}" for leaf in leaves}
    assert {p["Type"] for p in described.values()} == {"SecureString"}
    assert {p["KeyId"] for p in described.values()} == {key_arn}
    values = {
        p["Name"].rsplit("/", 1)[1]: p["Value"]
        for p in ssm.get_parameters(Names=list(described), WithDecryption=True)["Parameters"]
    }
    assert values == {
        "endpoint": database["ClusterEndpoint"],
        "port": database["ClusterPort"],
        "name": "tapstack",
        "secret-arn": database["MasterSecretArn"],
    }
    secret = json.loads(
        session.client("secretsmanager").get_secret_value(SecretId=values["secret-arn"])[
            "SecretString"
        ]
    )
    assert secret["username"] == "tapstack_admin" and len(secret["password"]) >= 16


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_database_stack_carries_the_monitoring_alarms_as_rollback_triggers(launched, environment):
    group = f"{environment}/us-east-1"
    session = account_session(environment)
    alarm_arns = outputs(group, "monitoring")["DatabaseAlarmArns"].split(",")
    assert len(alarm_arns) == (2 if environment == "prod" else 1)
    described = session.client("cloudwatch").describe_alarms(
        AlarmNames=[arn.rsplit(":", 1)[1] for arn in alarm_arns]
    )["MetricAlarms"]
    assert sorted(alarm["AlarmArn"] for alarm in described) == sorted(alarm_arns)
    topic = outputs(group, "monitoring")["AlarmTopicArn"]
    assert {tuple(alarm["AlarmActions"]) for alarm in described} == {(topic,)}
    attributes = session.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attributes["KmsMasterKeyId"] == outputs(group, "kms")["KeyArn"]
    name = f"tapstack-{group.replace('/', '-')}-database"
    (stack,) = session.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    configuration = stack["RollbackConfiguration"]
    assert sorted(t["Arn"] for t in configuration["RollbackTriggers"]) == sorted(alarm_arns)
    # prod watches no window on create and 5 minutes on an update (decision 0048); dev and
    # staging 10 on both (config/{env}/us-east-1/database.yaml): the estate was just created.
    assert configuration["MonitoringTimeInMinutes"] == (0 if environment == "prod" else 10)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_migrations_reach_the_latest_schema_version(launched, environment):
    latest = max(int(p.name[1:].split("__")[0]) for p in PROJECT_DIR.glob("migrations/V*.sql"))
    assert outputs(f"{environment}/us-east-1", "migrations")["SchemaVersion"] == str(latest)


REFERENCE_TABLES = ("currencies", "fee_schedules", "merchant_categories")
DML = {"SELECT", "INSERT", "UPDATE", "DELETE"}
MIGRATOR_PRIVILEGES = {
    "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "REFERENCES", "INDEX", "ALTER",
    "CREATE TEMPORARY TABLES", "LOCK TABLES", "EXECUTE", "CREATE VIEW", "SHOW VIEW",
    "CREATE ROUTINE", "ALTER ROUTINE", "TRIGGER",
}  # fmt: skip
_GRANT = re.compile(r"GRANT (?P<privileges>.+) ON (?P<target>\S+) TO ")
_PRIVILEGE = re.compile(r"(?P<name>[A-Z][A-Z ]*?)(?: \((?P<columns>[^)]*)\))?(?:, |$)")


def user_secret(environment: str, output: str) -> dict:
    arn = outputs(f"{environment}/us-east-1", "users")[output]
    client = account_session(environment).client("secretsmanager")
    return json.loads(client.get_secret_value(SecretId=arn)["SecretString"])


def connect_as(secret: dict) -> pymysql.connections.Connection:
    return pymysql.connect(
        host=secret["host"],
        port=int(secret["port"]),
        user=secret["username"],
        password=secret["password"],
        database=secret.get("dbname"),  # a master secret names no schema
        autocommit=True,
    )


def query(secret: dict, sql: str) -> list[tuple]:
    connection = connect_as(secret)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        connection.close()


def own_grants(secret: dict) -> dict[str, set[str]]:
    """`SHOW GRANTS` of the secret's user: object -> privileges (`SELECT (a, b)` for columns)."""
    grants: dict[str, set[str]] = {}
    for (line,) in query(secret, "SHOW GRANTS"):
        match = _GRANT.match(line)
        assert match, line
        for privilege in _PRIVILEGE.finditer(match["privileges"]):
            columns = privilege["columns"]
            name = privilege["name"]
            if columns:
                name += f" ({', '.join(sorted(c.strip(' `') for c in columns.split(',')))})"
            grants.setdefault(match["target"].replace("`", ""), set()).add(name)
    return grants


def assert_denied(secret: dict, sql: str) -> None:
    with pytest.raises(pymysql.err.MySQLError) as caught:
        query(secret, sql)
    assert caught.value.args[0] in (1142, 1143), caught.value  # table / column access denied


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_schema_tables_marker_and_migrator_grants(launched, environment):
    migrator = user_secret(environment, "MigratorSecretArn")
    tables = {row[0] for row in query(migrator, "SHOW TABLES")}
    assert tables == {
        *REFERENCE_TABLES,
        "accounts",
        "transactions",
        "schema_history",
        "tapstack_environment",
        "tapstack_table_class",
    }
    assert query(migrator, "SELECT name FROM tapstack_environment") == [(environment,)]
    applied = query(migrator, "SELECT version, status FROM schema_history ORDER BY version")
    versions = sorted(int(p.name[1:].split("__")[0]) for p in PROJECT_DIR.glob("migrations/V*.sql"))
    assert applied == [(version, "applied") for version in versions]
    assert own_grants(migrator) == {"*.*": {"USAGE"}, "tapstack.*": MIGRATOR_PRIVILEGES}


def test_prod_sync_reader_selects_allow_listed_tables_only(launched):
    reader = user_secret("prod", "SyncSecretArn")
    assert reader["username"] == "tapstack_sync_reader"
    assert own_grants(reader) == {
        "*.*": {"USAGE"},
        "tapstack.schema_history": {"SELECT"},
        "tapstack.tapstack_table_class": {"SELECT"},  # the sync checks prod's classification
        **{f"tapstack.{table}": {"SELECT"} for table in REFERENCE_TABLES},
    }
    assert query(reader, "SELECT COUNT(*) FROM currencies") == [(0,)]
    assert_denied(reader, "SELECT * FROM accounts")
    assert_denied(reader, "SELECT * FROM transactions")
    assert_denied(reader, "DELETE FROM currencies")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_validator_user_selects_the_reference_tables_only(launched, environment):
    validator = user_secret(environment, "ValidatorSecretArn")
    assert validator["username"] == "tapstack_validator"
    assert own_grants(validator) == {
        "*.*": {"USAGE"},
        **{f"tapstack.{table}": {"SELECT"} for table in REFERENCE_TABLES},
    }
    assert_denied(validator, "SELECT * FROM accounts")
    assert_denied(validator, "SELECT * FROM schema_history")
    assert_denied(validator, "DELETE FROM currencies")


@pytest.mark.parametrize("environment", ["staging", "dev"])
def test_target_sync_writer_changes_allow_listed_tables_only(launched, environment):
    writer = user_secret(environment, "SyncSecretArn")
    assert writer["username"] == "tapstack_sync_writer"
    assert own_grants(writer) == {
        "*.*": {"USAGE"},
        **{f"tapstack.{table}": DML for table in REFERENCE_TABLES},
        "tapstack.schema_history": {"SELECT"},
        "tapstack.tapstack_environment": {"SELECT"},
        # foreign keys into reference tables: visible, and checkable for orphans, nothing more
        "tapstack.accounts": {"REFERENCES", "SELECT (default_currency, mcc)"},
        "tapstack.transactions": {"REFERENCES", "SELECT (currency_code)"},
    }
    assert query(writer, "SELECT name FROM tapstack_environment") == [(environment,)]
    query(writer, "DELETE FROM fee_schedules WHERE mcc = 'none'")
    assert_denied(writer, "SELECT legal_name FROM accounts")
    assert_denied(writer, "DELETE FROM accounts")
    assert_denied(writer, "UPDATE tapstack_environment SET name = 'prod'")


def test_rotation_of_a_user_secret_runs_the_deployed_function(launched):
    # GIVEN staging's sync writer secret, with rotation on (the RotationSchedule)
    client = account_session("staging").client("secretsmanager")
    arn = outputs("staging/us-east-1", "users")["SyncSecretArn"]
    described = client.describe_secret(SecretId=arn)
    assert described["RotationEnabled"] is True
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert described["RotationLambdaARN"].endswith(":function:tapstack-db-rotation-staging-main")
    before = user_secret("staging", "SyncSecretArn")
    # WHEN it is rotated (the local AWS invokes the deployed function's four steps; it connects
    # with verified TLS through the packaged RDS CA bundle, which locally holds the local CA)
    client.rotate_secret(SecretId=arn, RotationLambdaARN=described["RotationLambdaARN"])
    # THEN the database takes only the new password, which is AWSCURRENT
    after = user_secret("staging", "SyncSecretArn")
    assert after["password"] != before["password"]
    assert {k: v for k, v in after.items() if k != "password"} == {
        k: v for k, v in before.items() if k != "password"
    }
    assert query(after, "SELECT name FROM tapstack_environment") == [("staging",)]
    with pytest.raises(pymysql.err.OperationalError, match="Access denied"):
        query(before, "SELECT 1")
    stages = sorted(client.describe_secret(SecretId=arn)["VersionIdsToStages"].values())
    assert stages == [["AWSCURRENT"], ["AWSPREVIOUS"]]


def test_rotation_of_prods_generated_master_secret_runs_the_deployed_function(launched):
    # GIVEN prod's master secret: generated by the database stack (global database), completed
    # by its SecretTargetAttachment, and scheduled for rotation by the migrations stack
    # WHEN it is rotated once through the deployed function (the users' secrets' function)
    rotation = rotation_demo.rotate_master_secret()
    assert rotation.described["RotationEnabled"] is True
    assert rotation.described["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert rotation.described["RotationLambdaARN"].endswith(
        ":function:tapstack-db-rotation-prod-main"
    )
    before, after = rotation.before, rotation.after
    assert set(before) == {"username", "password", "engine", "host", "port", "dbClusterIdentifier"}
    assert before["dbClusterIdentifier"] == "tapstack-aurora-prod-main"
    # THEN the cluster takes only the new password, and the master user keeps its powers
    assert rotation_demo.problems_of(rotation) == []
    assert {k: v for k, v in after.items() if k != "password"} == {
        k: v for k, v in before.items() if k != "password"
    }
    assert query(after, "SELECT name FROM tapstack.tapstack_environment") == [("prod",)]
    assert query(after, "SELECT CURRENT_USER()") == [(f"{before['username']}@%",)]
    with pytest.raises(pymysql.err.OperationalError, match="Access denied"):
        query(before, "SELECT 1")
    # AND the eu-west-1 replica reads the new value (rotation happens in the primary region)
    assert rotation.replica == after


def secret_dsn(secret: dict):
    from tapstack_sync.dsn import Dsn

    return Dsn(
        host=secret["host"],
        port=int(secret["port"]),
        user=secret["username"],
        password=secret["password"],
        database=secret["dbname"],
    )


def test_sync_works_with_exactly_the_deployed_users_and_refuses_prod(launched):
    from tapstack_sync.engine import sync
    from tapstack_sync.errors import RefusedError, TableApplyError
    from tapstack_sync.models import SyncRequest

    # GIVEN reference data in prod, and a staging account that uses a currency prod lacks
    prod, staging = (user_secret(env, "MigratorSecretArn") for env in ("prod", "staging"))
    query(prod, "INSERT INTO currencies (code, numeric_code, name, minor_units) VALUES "
                "('EUR', 978, 'Euro', 2), ('JPY', 392, 'Yen', 0)")  # fmt: skip
    query(staging, "INSERT INTO currencies (code, numeric_code, name, minor_units) VALUES "
                   "('XTS', 963, 'Test', 2)")  # fmt: skip
    query(staging, "INSERT INTO merchant_categories (mcc, description, category_group) VALUES "
                   "('5411', 'Grocery', 'retail')")  # fmt: skip
    query(staging, "INSERT INTO accounts (external_id, legal_name, mcc, default_currency) "
                   "VALUES (UUID(), 'Staging Ltd', '5411', 'XTS')")  # fmt: skip
    reader = secret_dsn(user_secret("prod", "SyncSecretArn"))
    writer = secret_dsn(user_secret("staging", "SyncSecretArn"))
    allowlist = list(REFERENCE_TABLES)
    # WHEN the sync runs as prod's reader and staging's writer
    request = SyncRequest(
        source=reader, target=writer, tables=["currencies"], allowlist=allowlist,
        target_env="staging", force=True,
    )  # fmt: skip
    # THEN the writer sees the foreign key from accounts and refuses to orphan its row
    with pytest.raises(TableApplyError, match="would lose their parent"):
        sync(request)
    # AND once staging's own row is gone, prod's currencies arrive
    query(staging, "DELETE FROM accounts")
    report = sync(request)
    assert report.target_environment == "staging"
    assert query(staging, "SELECT code FROM currencies ORDER BY code") == [("EUR",), ("JPY",)]
    # AND prod can never be a target: its reader cannot even read prod's marker
    with pytest.raises(RefusedError, match="marker"):
        sync(SyncRequest(source=writer, target=reader, tables=["currencies"], allowlist=allowlist))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_validator_runs_the_published_image_pinned_by_digest(launched, environment):
    group = f"{environment}/us-east-1"
    session = account_session(environment)
    account = accounts()[environment]
    repository = outputs(group, "registry")["ValidatorRepositoryName"]
    assert repository == f"tapstack-validator-{environment}-main"
    ecr = session.client("ecr")
    (image,) = ecr.describe_images(
        repositoryName=repository, imageIds=[{"imageTag": context_tag(VALIDATOR_CONTEXT)}]
    )["imageDetails"]
    pinned = f"{account}.dkr.ecr.us-east-1.amazonaws.com/{repository}@{image['imageDigest']}"
    compute = outputs(group, "compute")
    assert compute["ValidatorImageUri"] == pinned
    function = session.client("lambda").get_function(FunctionName=compute["ValidatorFunctionName"])
    assert compute["ValidatorFunctionName"] == f"tapstack-validator-{environment}-main"
    assert function["Configuration"]["PackageType"] == "Image"
    assert function["Code"]["ImageUri"] == pinned
    assert function["Configuration"]["DeadLetterConfig"] == {
        "TargetArn": compute["ValidatorDeadLetterQueueArn"]
    }
    key_arn = outputs(group, "kms")["KeyArn"]
    (described,) = ecr.describe_repositories(repositoryNames=[repository])["repositories"]
    assert described["imageScanningConfiguration"] == {"scanOnPush": True}
    assert described["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": key_arn}
    dynamodb = session.client("dynamodb")
    table = dynamodb.describe_table(TableName=compute["SessionsTableName"])["Table"]
    assert table["SSEDescription"]["KMSMasterKeyArn"] == key_arn
    backups = dynamodb.describe_continuous_backups(TableName=compute["SessionsTableName"])
    assert (
        backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
            "PointInTimeRecoveryStatus"
        ]
        == "ENABLED"
    )
    ttl = dynamodb.describe_time_to_live(TableName=compute["SessionsTableName"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"


def test_peering_connections_are_active_in_both_accounts(launched):
    states = peering_states()
    assert sorted(s.accepter.split()[0] for s in states) == ["dev", "staging"]
    for state in states:
        assert state.requester.startswith("prod vpc-")
        assert (state.requester_status, state.accepter_status) == ("active", "active")


def routes_of(environment: str, vpc_id: str) -> list[dict]:
    ec2 = account_session(environment).client("ec2")
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    return [
        {**route, "RouteTableId": table["RouteTableId"]}
        for table in tables["RouteTables"]
        if table["Associations"]
        for route in table["Routes"]
    ]


def test_prod_routes_to_each_peer_vpc_through_its_connection(launched):
    peering = outputs("prod/us-east-1", "peering")
    routes = routes_of("prod", outputs("prod/us-east-1", "network")["VpcId"])
    for environment in ("staging", "dev"):
        connection = peering[f"{environment.capitalize()}PeeringConnectionId"]
        to_peer = [r for r in routes if r.get("VpcPeeringConnectionId") == connection]
        assert {r["DestinationCidrBlock"] for r in to_peer} == {VPC_CIDR[environment]}
        assert len({r["RouteTableId"] for r in to_peer}) == AZ_COUNT["prod"]


@pytest.mark.parametrize("environment", ["staging", "dev"])
def test_accepter_admits_mysql_from_prods_sync_subnets_only(launched, environment):
    group = f"{environment}/us-east-1"
    sync_subnets = {f"10.3.{16 * i}.0/20" for i in range(3)}
    network = outputs(group, "network")
    connection = outputs("prod/us-east-1", "peering")[
        f"{environment.capitalize()}PeeringConnectionId"
    ]
    peering_routes = [
        r for r in routes_of(environment, network["VpcId"]) if "VpcPeeringConnectionId" in r
    ]
    assert {r["VpcPeeringConnectionId"] for r in peering_routes} == {connection}
    assert {r["DestinationCidrBlock"] for r in peering_routes} == sync_subnets
    # the accepter's own stack holds this side, through the connection prod published to it
    assert outputs(group, "peering-accepter")["AcceptedPeeringConnectionId"] == connection
    ec2 = account_session(environment).client("ec2")
    (database_group,) = ec2.describe_security_groups(GroupIds=[network["DatabaseSecurityGroupId"]])[
        "SecurityGroups"
    ]
    from_prod = [
        (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], cidr["CidrIp"])
        for rule in database_group["IpPermissions"]
        for cidr in rule.get("IpRanges", [])
    ]
    assert sorted(from_prod) == sorted(("tcp", 3306, 3306, cidr) for cidr in sync_subnets)
    assert database_group["IpPermissionsEgress"][0]["IpRanges"] == [
        {"CidrIp": "127.0.0.1/32", "Description": "none"}
    ]


def test_sync_target_role_trusts_only_prods_sync_role_with_an_external_id(launched):
    iam = account_session("staging").client("iam")
    role = iam.get_role(RoleName="tapstack-sync-target-staging")["Role"]
    document = role["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    (statement,) = document["Statement"]
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::333333333333:role/tapstack-sync-prod"]}
    assert set(statement["Condition"]["StringEquals"]) == {"sts:ExternalId"}
    sts = account_session("prod").client("sts")  # prod's deploy role: not the sync role
    with pytest.raises(sts.exceptions.ClientError, match="AccessDenied"):
        sts.assume_role(
            RoleArn=role["Arn"],
            RoleSessionName="not-the-sync",
            ExternalId=statement["Condition"]["StringEquals"]["sts:ExternalId"],
        )


def test_sync_copies_reference_data_once_and_never_production_tables(launched):
    # GIVEN demo reference data in prod; WHEN the deployed sync workflow runs twice, started as
    # its schedule starts it (tapstack_tools.sync_demo); THEN the first copies, the second finds
    # nothing, and accounts/transactions are unchanged in every environment.
    assert sync_demo.demonstrate(echo=lambda _text: None) == []
    # AND both were executions of the deployed definition, every step run as its history says
    (sync,) = [s for s in group_state("prod/us-east-1") if s.name.endswith("/sync")]
    stepfunctions = account_session("prod").client("stepfunctions")
    machine = sync.outputs["SyncStateMachineArn"]
    executions = stepfunctions.list_executions(stateMachineArn=machine)["executions"]
    demo = [e for e in executions if e["name"].startswith("demo-")]
    assert {e["status"] for e in demo} == {"SUCCEEDED"} and len(demo) == 2, executions
    run = workflow_runs.wait(stepfunctions, demo[0]["executionArn"])
    for target in ("staging", "dev"):
        states = [s.state for s in run.steps if s.target == target and s.kind == "Task"]
        tables = [s.table for s in run.steps if s.target == target and s.state == "SyncTable"]
        assert states == ["CheckSchemas", *["SyncTable"] * 3, "VerifyChecksums"], run.steps
        assert tables.index("currencies") < tables.index("fee_schedules"), tables  # parents first


SYNC_TABLES = "currencies,fee_schedules,merchant_categories"


@pytest.fixture(scope="module")
def sync_workflow(launched, local_aws):
    """Prod's deployed sync workflow, and a queue subscribed to its failure topic."""
    with pytest.MonkeyPatch.context() as patch:  # module scope: the autouse patch is not active
        for name, value in local_aws.env().items():
            patch.setenv(name, value)
        (sync,) = [s for s in group_state("prod/us-east-1") if s.name.endswith("/sync")]
        session = account_session("prod")
        sqs, sns = session.client("sqs"), session.client("sns")
        stepfunctions = session.client("stepfunctions")
    queue = sqs.create_queue(QueueName="tapstack-e2e-sync-failures")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=sync.outputs["SyncFailureTopicArn"], Protocol="sqs", Endpoint=queue_arn)
    return SimpleNamespace(
        machine=sync.outputs["SyncStateMachineArn"],
        stepfunctions=stepfunctions,
        sqs=sqs,
        queue=queue,
    )


def failure_messages(workflow: SimpleNamespace) -> list[dict]:
    """The failure topic's messages (the Catch's error each) that reached the queue, taken off."""
    messages = []
    while received := workflow.sqs.receive_message(
        QueueUrl=workflow.queue, MaxNumberOfMessages=10, WaitTimeSeconds=1
    ).get("Messages", []):
        for message in received:
            messages.append(json.loads(json.loads(message["Body"])["Message"]))
            workflow.sqs.delete_message(
                QueueUrl=workflow.queue, ReceiptHandle=message["ReceiptHandle"]
            )
    return messages


def start_sync(workflow: SimpleNamespace, targets: list[str], tables: str, label: str) -> str:
    return workflow_runs.start(
        workflow.stepfunctions, workflow.machine, {"targets": targets, "tables": tables}, label
    )


def add_orphaning_currency(environment: str) -> str:
    """A currency prod lacks, used by an account of `environment`: syncing currencies must then
    fail (the account would lose its parent) until that account is gone. Its external id."""
    external_id = f"e2e-orphan-{uuid.uuid4().hex[:8]}"
    with sync_demo.connect(environment) as connection, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO currencies (code, numeric_code, name, minor_units) "
            "VALUES ('XTR', 999, 'e2e orphan maker', 2)"
        )
        cursor.execute(
            "INSERT INTO accounts (external_id, legal_name, mcc, default_currency, status) "
            "VALUES (%s, 'e2e orphan', '5411', 'XTR', 'active')",
            (external_id,),
        )
    return external_id


def remove_account(environment: str, external_id: str) -> None:
    with sync_demo.connect(environment) as connection, connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts WHERE external_id = %s", (external_id,))


def currency_codes(environment: str) -> set[str]:
    with sync_demo.connect(environment) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT code FROM currencies")
        return {code for (code,) in cursor.fetchall()}


def test_sync_workflow_retries_a_table_whose_write_failed_and_then_syncs_it(sync_workflow):
    # GIVEN staging has an account using a currency prod lacks: currencies cannot be synced
    account = add_orphaning_currency("staging")
    # WHEN the workflow runs for staging, and the account is removed after the first failure
    arn = start_sync(sync_workflow, ["staging"], "currencies", "e2e-retry")
    try:
        workflow_runs.wait_for_event(
            sync_workflow.stepfunctions, arn, lambda event: event["type"] == "TaskFailed"
        )
    finally:
        remove_account("staging", account)
    run = workflow_runs.wait(sync_workflow.stepfunctions, arn)
    # THEN the table's step failed once (rolled back), was retried, and synced
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    (currencies,) = run.tasks("SyncTable")
    assert (currencies.table, currencies.attempts) == ("currencies", 2)
    assert (currencies.errors, currencies.outcome) == (["TableApplyError"], "succeeded")
    assert currencies.output["Payload"]["tables"][0]["deleted"] == 1
    assert [s.attempts for s in run.steps if s.kind == "Task" and s.state != "SyncTable"] == [1, 1]
    # AND staging now has exactly prod's currencies
    assert "XTR" not in currency_codes("staging")
    assert currency_codes("staging") == currency_codes("prod")


def test_sync_workflow_stops_on_a_schema_mismatch_before_any_data_step(sync_workflow):
    failure_messages(sync_workflow)
    # GIVEN staging's merchant_categories has a column prod's has not
    with sync_demo.connect("staging") as staging, staging.cursor() as cursor:
        cursor.execute("ALTER TABLE merchant_categories ADD COLUMN e2e_note VARCHAR(20) NULL")
        try:
            # WHEN the workflow runs for staging, then dev, over the allowlist
            arn = start_sync(sync_workflow, ["staging", "dev"], SYNC_TABLES, "e2e-mismatch")
            run = workflow_runs.wait(sync_workflow.stepfunctions, arn)
        finally:
            cursor.execute("ALTER TABLE merchant_categories DROP COLUMN e2e_note")
    # THEN staging's schema check failed (not retried) and no data step ran for any target
    assert (run.status, run.error) == ("FAILED", "SyncFailed"), run
    tasks = [(s.state, s.target) for s in run.steps if s.kind == "Task"]
    assert tasks == [("CheckSchemas", "staging"), ("Notify", "")], run.steps
    (check,) = run.tasks("CheckSchemas")
    assert (check.attempts, check.errors) == (1, ["SchemaMismatchError"])
    invoked = [e for e in run.events if e["type"] == "TaskScheduled"]
    assert [e["taskScheduledEventDetails"]["resourceType"] for e in invoked] == ["lambda", "sns"]
    # AND the failure topic says why
    (message,) = failure_messages(sync_workflow)
    assert message["Error"] == "SchemaMismatchError"
    assert "merchant_categories" in message["Cause"]


# prod's validator reaches its database through the baseline's failover name, which only a
# launch with the global group publishes: tests/test_second_region_e2e.py judges there.
VALIDATED_HERE = ("dev", "staging")


def test_the_deployed_validator_judges_a_valid_and_an_invalid_transaction(launched):
    # GIVEN staging and dev launched and their reference tables synced from prod (test above)
    # WHEN its deployed validator (an image the local AWS runs from its package) is invoked
    found = validator_demo.verdicts(VALIDATED_HERE)
    # THEN each accepts the valid transaction with a fee and refuses the unknown currency
    assert validator_demo.problems_of(found) == []
    by_id = {(v.environment, v.transaction_id): v for v in found}
    for environment in VALIDATED_HERE:
        valid = by_id[(environment, validator_demo.VALID["transaction_id"])]
        invalid = by_id[(environment, validator_demo.INVALID["transaction_id"])]
        assert valid.valid and valid.fee is not None and valid.problems == []
        assert not invalid.valid and any("XXX" in problem for problem in invalid.problems)
