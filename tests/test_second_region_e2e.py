"""End to end on the local AWS: all of prod (both regions, and the global group) as the
whole-estate launch left it (the `estate` fixture, tests/conftest.py), checked region by region.
Relaunch, diff and delete are tests/test_whole_estate_e2e.py.
"""

import ipaddress
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from tapstack_tools import sync_demo, validator_demo
from tapstack_tools.aws_accounts import account_session
from tapstack_tools.deployment import group_state, peering_states
from tapstack_tools.writer_names import WriterName, writer_names

pytestmark = pytest.mark.e2e

PROD_GROUPS = ("prod/us-east-1", "prod/eu-west-1", "global")
GLOBAL_STACKS = ("stackset",)
PROD_REGIONS = ("us-east-1", "eu-west-1")
T = TypeVar("T")
# S3 replicates asynchronously (within 15 minutes under RTC); the local AWS before answering.
REPLICATION_WAIT_SECONDS = 60


@pytest.fixture(autouse=True)
def _aws_environment(local_aws_env):
    """sceptre, Sceptre's connection manager and boto3 all reach the local AWS."""


@pytest.fixture(scope="module")
def prod(estate, local_aws):
    """prod's groups, as the whole-estate launch left them."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in local_aws.env().items():
            patch.setenv(name, value)
        return {group: group_state(group) for group in PROD_GROUPS}


def outputs(group: str, stack: str) -> dict[str, str]:
    (state,) = [s for s in group_state(group) if s.name == f"{group}/{stack}"]
    return state.outputs


def test_every_prod_stack_is_created(prod):
    for group, states in prod.items():
        assert states, group
        for state in states:
            assert state.status == "CREATE_COMPLETE", (group, state)
    assert {s.name.rsplit("/", 1)[1] for s in prod["global"]} == set(GLOBAL_STACKS)


def test_eu_west_1_cluster_is_the_global_databases_read_only_secondary(prod):
    primary = outputs("prod/us-east-1", "cluster")
    secondary = outputs("prod/eu-west-1", "cluster")
    rds = account_session("prod").client("rds")
    (global_cluster,) = rds.describe_global_clusters(
        GlobalClusterIdentifier=primary["GlobalClusterIdentifier"]
    )["GlobalClusters"]
    members = {
        member["DBClusterArn"].split(":")[3]: member["IsWriter"]
        for member in global_cluster["GlobalClusterMembers"]
    }
    assert members == {"us-east-1": True, "eu-west-1": False}
    (cluster,) = (
        account_session("prod", "eu-west-1")
        .client("rds")
        .describe_db_clusters(DBClusterIdentifier=secondary["ClusterIdentifier"])["DBClusters"]
    )
    assert "MasterUserSecret" not in cluster
    assert cluster["KmsKeyId"] == outputs("prod/eu-west-1", "kms")["KeyArn"]


def test_eu_west_1_publishes_its_own_connection_parameters(prod):
    session = account_session("prod", "eu-west-1")
    key_arn = outputs("prod/eu-west-1", "kms")["KeyArn"]
    secondary = outputs("prod/eu-west-1", "cluster")
    ssm = session.client("ssm")
    names = [f"/tapstack/prod/db/{leaf}" for leaf in ("endpoint", "port", "secret-arn")]
    values = {
        p["Name"].rsplit("/", 1)[1]: p["Value"]
        for p in ssm.get_parameters(Names=names, WithDecryption=True)["Parameters"]
    }
    assert values["endpoint"] == secondary["ClusterEndpoint"]
    # The secret is the replica of the primary's, in this region, under this region's key.
    assert values["secret-arn"] == secondary["MasterSecretArn"]
    assert ":eu-west-1:" in values["secret-arn"]
    replica = session.client("secretsmanager").describe_secret(SecretId=values["secret-arn"])
    assert replica["KmsKeyId"] == key_arn
    assert replica["PrimaryRegion"] == "us-east-1"


def test_audit_log_replicates_to_eu_west_1(prod):
    source = outputs("prod/us-east-1", "storage")["AuditLogBucketName"]
    destination = outputs("prod/eu-west-1", "storage")["AuditLogBucketArn"]
    replica_key = outputs("prod/eu-west-1", "kms")["KeyArn"]
    s3 = account_session("prod").client("s3")
    (rule,) = s3.get_bucket_replication(Bucket=source)["ReplicationConfiguration"]["Rules"]
    assert rule["Destination"]["Bucket"] == destination
    assert rule["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": replica_key}
    assert rule["Destination"]["ReplicationTime"]["Status"] == "Enabled"
    assert rule["DeleteMarkerReplication"] == {"Status": "Disabled"}
    migration = outputs("prod/us-east-1", "storage")["MigrationBucketName"]
    with pytest.raises(s3.exceptions.ClientError, match="ReplicationConfigurationNotFound"):
        s3.get_bucket_replication(Bucket=migration)


def test_stack_set_rolled_the_baseline_out_to_both_regions(prod):
    name = outputs("global", "stackset")["BaselineStackSetId"].split(":", 1)[0]
    cloudformation = account_session("prod").client("cloudformation")
    instances = cloudformation.list_stack_instances(StackSetName=name)["Summaries"]
    assert [(i["Region"], i["Status"]) for i in instances] == [
        ("eu-west-1", "CURRENT"),
        ("us-east-1", "CURRENT"),
    ]
    writer_dns = outputs("prod/us-east-1", "dns")["WriterDnsName"]
    for region in ("eu-west-1", "us-east-1"):
        session = account_session("prod", region)
        parameter = session.client("ssm").get_parameter(Name="/tapstack/prod/db/writer-dns")
        assert parameter["Parameter"]["Value"] == writer_dns
        (repository,) = session.client("ecr").describe_repositories(
            repositoryNames=["tapstack-baseline-prod-main"]
        )["repositories"]
        assert repository["imageTagMutability"] == "IMMUTABLE"


def test_prods_validator_reaches_its_database_through_the_failover_name(prod):
    # GIVEN prod's reference tables, and the baseline's writer name in prod's SSM path
    sync_demo.seed_prod_reference_data()
    # WHEN prod's deployed validator judges a valid and an invalid transaction (it resolves
    # writer.db.prod.tapstack.internal in its VPC, and verifies TLS for the canonical name)
    found = validator_demo.verdicts(("prod",))
    # THEN it accepts the first with a fee and refuses the unknown currency
    assert validator_demo.problems_of(found) == []
    valid, invalid = found
    assert valid.fee is not None and any("XXX" in problem for problem in invalid.problems)


def test_private_zone_fails_the_writer_name_over_to_eu_west_1(prod):
    dns = outputs("prod/us-east-1", "dns")
    route53 = account_session("prod").client("route53")
    zone = route53.get_hosted_zone(Id=dns["PrivateZoneId"])
    assert zone["HostedZone"]["Config"]["PrivateZone"] is True
    assert sorted((v["VPCRegion"], v["VPCId"]) for v in zone["VPCs"]) == [
        ("eu-west-1", outputs("prod/eu-west-1", "network")["VpcId"]),
        ("us-east-1", outputs("prod/us-east-1", "network")["VpcId"]),
    ]
    records = {
        r["Failover"]: r
        for r in route53.list_resource_record_sets(HostedZoneId=dns["PrivateZoneId"])[
            "ResourceRecordSets"
        ]
        if r["Type"] == "CNAME"
    }
    assert records["PRIMARY"]["Name"] == records["SECONDARY"]["Name"] == dns["WriterDnsName"] + "."
    assert records["PRIMARY"]["HealthCheckId"] == dns["WriterHealthCheckId"]
    assert [r["Value"] for r in records["PRIMARY"]["ResourceRecords"]] == [
        outputs("prod/us-east-1", "cluster")["ClusterEndpoint"]
    ]
    assert "HealthCheckId" not in records["SECONDARY"]
    check = route53.get_health_check(HealthCheckId=dns["WriterHealthCheckId"])["HealthCheck"]
    alarm_name = check["HealthCheckConfig"]["AlarmIdentifier"]["Name"]
    (alarm,) = (
        account_session("prod")
        .client("cloudwatch")
        .describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
    )
    assert alarm["AlarmArn"] == dns["PrimaryWriterAlarmArn"]


def test_both_prod_regions_lambdas_read_the_failover_name(prod):
    # what the demo summary shows: each prod region's validator reads the failover name from
    # its own region's SSM, and the name's records lead to each region's cluster
    primary = outputs("prod/us-east-1", "cluster")["ClusterEndpoint"]
    secondary = outputs("prod/eu-west-1", "cluster")["ClusterEndpoint"]
    leads_to = f"failover CNAME: PRIMARY us-east-1 -> {primary}, SECONDARY eu-west-1 -> {secondary}"
    name = outputs("prod/us-east-1", "dns")["WriterDnsName"]
    assert name == "writer.db.prod.tapstack.internal"
    assert writer_names(prod) == [
        WriterName("prod/us-east-1", name, leads_to),
        WriterName("prod/eu-west-1", name, leads_to),
    ]


def _eventually(read: Callable[[], T], done: Callable[[T], bool]) -> T:
    """`read()` once `done` with it, or its last value after REPLICATION_WAIT_SECONDS."""
    deadline = time.monotonic() + REPLICATION_WAIT_SECONDS
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(2)
        value = read()
    return value


def _remove_every_version(s3, bucket: str, key: str) -> None:
    """Versions and delete markers of `key` (a non-empty bucket would block the stack delete)."""
    listed = s3.list_object_versions(Bucket=bucket, Prefix=key)
    for version in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        s3.delete_object(
            Bucket=bucket,
            Key=version["Key"],
            VersionId=version["VersionId"],
            BypassGovernanceRetention=True,  # the audit log is under Object Lock
        )


def test_an_audit_log_object_replicates_to_eu_west_1_under_its_key(prod):
    source = outputs("prod/us-east-1", "storage")["AuditLogBucketName"]
    replica = outputs("prod/eu-west-1", "storage")["AuditLogBucketName"]
    replica_key = outputs("prod/eu-west-1", "kms")["KeyArn"]
    s3 = account_session("prod").client("s3")
    replica_s3 = account_session("prod", "eu-west-1").client("s3")
    key = "e2e/replication-check.json"
    put = s3.put_object(Bucket=source, Key=key, Body=b'{"check": "replication"}')
    try:
        status = _eventually(
            lambda: s3.head_object(Bucket=source, Key=key, VersionId=put["VersionId"]).get(
                "ReplicationStatus"
            ),
            lambda status: status in ("COMPLETED", "FAILED"),
        )
        assert status == "COMPLETED"
        copied = replica_s3.get_object(Bucket=replica, Key=key, VersionId=put["VersionId"])
        assert copied["ReplicationStatus"] == "REPLICA"
        assert copied["Body"].read() == b'{"check": "replication"}'
        assert (copied["ServerSideEncryption"], copied["SSEKMSKeyId"]) == ("aws:kms", replica_key)
        # a delete in us-east-1 does not reach the replica (no delete-marker replication)
        s3.delete_object(Bucket=source, Key=key)
        replicas = replica_s3.list_object_versions(Bucket=replica, Prefix=key)
        assert replicas.get("DeleteMarkers", []) == []
        assert replica_s3.get_object(Bucket=replica, Key=key)["Body"].read() == (
            b'{"check": "replication"}'
        )
        # and the locked version cannot be deleted without the governance bypass
        with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
            s3.delete_object(Bucket=source, Key=key, VersionId=put["VersionId"])
    finally:
        _remove_every_version(s3, source, key)
        _remove_every_version(replica_s3, replica, key)


def test_the_writer_name_fails_over_while_the_primary_alarm_fires(prod, local_aws):
    dns = outputs("prod/us-east-1", "dns")
    route53 = account_session("prod").client("route53")
    check_id = dns["WriterHealthCheckId"]
    check = route53.get_health_check(HealthCheckId=check_id)["HealthCheck"]
    alarm = check["HealthCheckConfig"]["AlarmIdentifier"]
    cloudwatch = account_session("prod", alarm["Region"]).client("cloudwatch")
    endpoints = {r: outputs(f"prod/{r}", "cluster")["ClusterEndpoint"] for r in PROD_REGIONS}
    vpcs = {r: outputs(f"prod/{r}", "network")["VpcId"] for r in PROD_REGIONS}

    def health() -> str:
        (observation,) = route53.get_health_check_status(HealthCheckId=check_id)[
            "HealthCheckObservations"
        ]
        return observation["StatusReport"]["Status"].split(":", 1)[0]

    def writer_answers() -> set[tuple[tuple[str, ...], str]]:
        """(values, answering record's SetIdentifier) as seen from each prod VPC."""
        answers = [
            local_aws.resolve_in_vpc(vpcs[region], region, dns["WriterDnsName"], "CNAME")
            for region in PROD_REGIONS
        ]
        return {(tuple(a["RecordData"]), a["AnsweredBy"][0]["SetIdentifier"]) for a in answers}

    try:
        for state, status, region in (
            ("ALARM", "Failure", "eu-west-1"),
            ("OK", "Success", "us-east-1"),
        ):
            cloudwatch.set_alarm_state(
                AlarmName=alarm["Name"], StateValue=state, StateReason="e2e failover check"
            )
            assert health() == status, state
            assert writer_answers() == {((endpoints[region],), region)}, state
    finally:
        cloudwatch.set_alarm_state(AlarmName=alarm["Name"], StateValue="OK", StateReason="e2e")


PROD_VPC_CIDRS = {"us-east-1": "10.3.0.0/16", "eu-west-1": "10.4.0.0/16"}


def private_subnets(vpc_cidr: str) -> set[str]:
    """The three /20 private subnets laid out from a /16 (tapstack_blocks.subnets)."""
    return {str(net) for net in list(ipaddress.IPv4Network(vpc_cidr).subnets(new_prefix=20))[:3]}


def test_prods_regions_are_peered_in_both_regions(prod):
    (state,) = peering_states("prod/eu-west-1")
    connection = outputs("prod/eu-west-1", "peering")["PeeringConnectionId"]
    assert state.connection_id == connection
    assert state.requester == f"prod {outputs('prod/eu-west-1', 'network')['VpcId']}"
    assert state.accepter == f"prod {outputs('prod/us-east-1', 'network')['VpcId']}"
    assert (state.requester_status, state.accepter_status) == ("active", "active")


@pytest.mark.parametrize(("region", "peer_region"), [PROD_REGIONS, PROD_REGIONS[::-1]])
def test_each_region_routes_and_admits_mysql_only_to_the_others_private_subnets(
    prod, region, peer_region
):
    connection = outputs("prod/eu-west-1", "peering")["PeeringConnectionId"]
    network = outputs(f"prod/{region}", "network")
    peer_subnets = private_subnets(PROD_VPC_CIDRS[peer_region])
    ec2 = account_session("prod", region).client("ec2")
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [network["VpcId"]]}])[
        "RouteTables"
    ]
    routes = [
        (table["RouteTableId"], route["DestinationCidrBlock"])
        for table in tables
        for route in table["Routes"]
        if route.get("VpcPeeringConnectionId") == connection
    ]
    private_tables = set(network["PrivateRouteTableIds"].split(","))
    assert sorted(routes) == sorted((t, cidr) for t in private_tables for cidr in peer_subnets)

    def rules(group_id: str, direction: str) -> list[tuple]:
        (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
        return [
            (rule["IpProtocol"], rule.get("FromPort"), rule.get("ToPort"), cidr["CidrIp"])
            for rule in group[direction]
            for cidr in rule.get("IpRanges", [])
            if ipaddress.IPv4Network(cidr["CidrIp"]).subnet_of(
                ipaddress.IPv4Network(PROD_VPC_CIDRS[peer_region])
            )
        ]

    mysql_only = sorted(("tcp", 3306, 3306, cidr) for cidr in peer_subnets)
    assert sorted(rules(network["DatabaseSecurityGroupId"], "IpPermissions")) == mysql_only
    assert sorted(rules(network["LambdaSecurityGroupId"], "IpPermissionsEgress")) == mysql_only
    assert rules(network["LambdaSecurityGroupId"], "IpPermissions") == []
