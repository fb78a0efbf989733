"""The database template: encryption, managed secret, no password anywhere, env differences."""

import json

import database
import pytest
from tapstack_hooks.cfn_lint import lint_findings


@pytest.fixture(scope="module", params=["Delete", "Snapshot"])
def document(request) -> dict:
    return json.loads(database.sceptre_handler({"deletion_policy": request.param}))


def test_is_cfn_lint_clean(document):
    assert lint_findings(json.dumps(document), "us-east-1") == []


def test_no_password_in_template_parameters_or_outputs(document):
    text = json.dumps(document)
    assert '"MasterUserPassword"' not in text
    assert "NoEcho" not in text
    cluster = document["Resources"]["DatabaseCluster"]["Properties"]
    assert cluster["ManageMasterUserPassword"] is True
    assert cluster["MasterUserSecret"] == {"KmsKeyId": {"Ref": "KmsKeyArn"}}
    assert all("password" not in name.lower() for name in document["Parameters"])
    secret_output = document["Outputs"]["MasterSecretArn"]["Value"]
    assert secret_output == {"Fn::GetAtt": ["DatabaseCluster", "MasterUserSecret.SecretArn"]}


def test_cluster_is_encrypted_audited_and_iam_enabled(document):
    cluster = document["Resources"]["DatabaseCluster"]["Properties"]
    assert cluster["StorageEncrypted"] is True
    assert cluster["KmsKeyId"] == {"Ref": "KmsKeyArn"}
    assert cluster["EnableIAMDatabaseAuthentication"] is True
    assert cluster["DeletionProtection"] is False
    assert set(cluster["EnableCloudwatchLogsExports"]) >= {"error", "slowquery", "audit"}
    assert cluster["BackupRetentionPeriod"] == {"Ref": "BackupRetentionDays"}
    parameters = document["Resources"]["ClusterParameterGroup"]["Properties"]["Parameters"]
    assert parameters["require_secure_transport"] == "ON"
    assert parameters["slow_query_log"] == "1"


def test_reader_only_in_prod_and_in_another_az(document):
    resources = document["Resources"]
    assert "Condition" not in resources["WriterInstance"]
    assert resources["ReaderInstance"]["Condition"] == "IsProd"
    azs = {
        resources[i]["Properties"]["AvailabilityZone"]["Fn::Select"][0]
        for i in ("WriterInstance", "ReaderInstance")
    }
    assert azs == {0, 1}


def test_both_instances_are_created_at_once_and_the_tier_picks_the_writer(document):
    resources = document["Resources"]
    assert "DependsOn" not in resources["ReaderInstance"]
    assert resources["WriterInstance"]["Properties"]["PromotionTier"] == 0
    assert resources["ReaderInstance"]["Properties"]["PromotionTier"] == 1


def test_a_headless_secondary_has_no_instances():
    headless = json.loads(
        database.sceptre_handler({"global_database": "secondary", "instances": "none"})
    )
    types = {r["Type"] for r in headless["Resources"].values()}
    assert "AWS::RDS::DBCluster" in types and "AWS::RDS::DBInstance" not in types
    assert headless["Outputs"]["InstanceClass"]["Value"] == {"Ref": "InstanceClass"}


def test_only_a_secondary_may_be_headless():
    with pytest.raises(Exception, match="instances: none is only for global_database: secondary"):
        database.sceptre_handler({"global_database": "primary", "instances": "none"})


def test_deletion_policy_follows_the_option(document):
    cluster = document["Resources"]["DatabaseCluster"]
    assert cluster["DeletionPolicy"] in ("Delete", "Snapshot")
    assert cluster["UpdateReplacePolicy"] == cluster["DeletionPolicy"]


def test_instance_classes_start_at_r5_large(document):
    allowed = document["Parameters"]["InstanceClass"]["AllowedValues"]
    assert document["Parameters"]["InstanceClass"]["Default"] == "db.r5.large"
    assert all(cls.startswith(("db.r5.", "db.r6", "db.r7")) for cls in allowed)
    assert not any(cls.endswith((".medium", ".small", ".micro")) for cls in allowed)


def test_unknown_option_is_refused():
    with pytest.raises(Exception, match=r"sceptre_user_data.deletion_policy = 'Retain'"):
        database.sceptre_handler({"deletion_policy": "Retain"})


def test_connection_facts_are_secure_parameters_under_the_env_key(document):
    resources = document["Resources"]
    published = {
        r["Properties"]["Name"]["Fn::Sub"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "Custom::SecureParameter"
    }
    assert set(published) == {
        f"/tapstack/${{EnvironmentName}}/db/{leaf}"
        for leaf in ("endpoint", "port", "name", "secret-arn")
    }
    for properties in published.values():
        assert properties["KmsKeyId"] == {"Ref": "KmsKeyArn"}
        assert properties["ServiceToken"] == {"Fn::GetAtt": ["SecureParameterFunction", "Arn"]}


def test_standalone_cluster_publishes_its_endpoint_as_the_writer_name(document):
    parameter = document["Resources"]["WriterDnsParameter"]
    assert parameter["Type"] == "AWS::SSM::Parameter"
    assert parameter["Properties"]["Name"] == {
        "Fn::Sub": "/tapstack/${EnvironmentName}/db/writer-dns"
    }
    assert parameter["Properties"]["Type"] == "String"
    assert parameter["Properties"]["Value"] == {
        "Fn::GetAtt": ["DatabaseCluster", "Endpoint.Address"]
    }


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_global_database_member_leaves_the_writer_name_to_the_baseline(role):
    # the baseline StackSet publishes the failover name there: one owner per parameter
    document = json.loads(database.sceptre_handler({"global_database": role}))
    published = [
        r
        for r in document["Resources"].values()
        if r["Type"] == "AWS::SSM::Parameter" or "writer-dns" in json.dumps(r)
    ]
    assert published == []


def test_secure_parameter_function_may_write_only_its_parameters(document):
    role = document["Resources"]["SecureParameterFunctionRole"]["Properties"]
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    # exactly the four it publishes: never writer-dns or another fact the validator trusts
    assert statements["ConnectionParameters"]["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
            f"/tapstack/${{EnvironmentName}}/db/{leaf}"
        }
        for leaf in ("endpoint", "port", "name", "secret-arn")
    ]
    names = {
        r["Properties"]["Name"]["Fn::Sub"].rsplit("/", 1)[1]
        for r in document["Resources"].values()
        if r["Type"] == "Custom::SecureParameter"
    }
    assert names == {"endpoint", "port", "name", "secret-arn"}
    assert statements["EnvironmentKey"]["Resource"] == [{"Ref": "KmsKeyArn"}]
    wildcards = [s for s in statements.values() if s["Resource"] == ["*"]]
    assert [s["Action"] for s in wildcards] == [["ec2:DescribeNetworkInterfaces"]]
    function = document["Resources"]["SecureParameterFunction"]["Properties"]
    assert function["PackageType"] == "Image"
    assert function["Code"] == {"ImageUri": {"Ref": "SecureParameterImageUri"}}
    assert set(function["VpcConfig"]) == {"SubnetIds", "SecurityGroupIds"}


def test_every_exported_log_has_its_encrypted_group_before_the_cluster(document):
    # RDS would create /aws/rds/cluster/{cluster}/{log} itself: no key, kept forever.
    resources = document["Resources"]
    cluster = resources["DatabaseCluster"]
    exports = cluster["Properties"]["EnableCloudwatchLogsExports"]
    groups = {
        r["Properties"]["LogGroupName"]["Fn::Sub"][0].rsplit("/", 1)[1]: (logical_id, r)
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::Logs::LogGroup" and "/aws/rds/cluster/" in json.dumps(r)
    }
    assert set(groups) == set(exports)
    for logical_id, group in groups.values():
        props = group["Properties"]
        assert props["LogGroupName"]["Fn::Sub"] == [
            f"/aws/rds/cluster/${{Cluster}}/{logical_id.removeprefix('RdsLogGroup').lower()}",
            {"Cluster": cluster["Properties"]["DBClusterIdentifier"]},
        ]
        assert props["KmsKeyId"] == {"Ref": "KmsKeyArn"}
        assert props["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert logical_id in cluster["DependsOn"]


def test_prod_audits_every_dml_statement(document):
    # server_audit (Aurora Advanced Auditing): QUERY_DML, SELECT included, in prod only
    parameters = document["Resources"]["ClusterParameterGroup"]["Properties"]["Parameters"]
    condition, in_prod, elsewhere = parameters["server_audit_events"]["Fn::If"]
    assert condition == "IsProd"
    assert set(in_prod.split(",")) == {"CONNECT", "QUERY_DDL", "QUERY_DCL", "QUERY_DML"}
    assert set(elsewhere.split(",")) == {"CONNECT", "QUERY_DDL", "QUERY_DCL"}
    assert parameters["server_audit_logging"] == "1"
