"""The cluster template: the Aurora cluster with no instance, encrypted and audited, its log
groups, master secret and monitoring role, and nothing that has to run before it is done."""

import json

import cluster
import pytest
from tapstack_blocks.boundary import permissions_boundary_arn
from tapstack_hooks.cfn_lint import lint_findings

CLUSTER_OUTPUTS = {
    "ClusterEndpoint",
    "ReaderEndpoint",
    "ClusterPort",
    "ClusterIdentifier",
    "MasterSecretArn",
    "DatabaseName",
    "InstanceParameterGroupName",
    "MonitoringRoleArn",
}


@pytest.fixture(scope="module", params=["Delete", "Snapshot"])
def document(request) -> dict:
    return json.loads(cluster.sceptre_handler({"deletion_policy": request.param}))


def render(**options) -> dict:
    return json.loads(cluster.sceptre_handler(options))


def test_is_cfn_lint_clean(document):
    assert lint_findings(json.dumps(document), "us-east-1") == []


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_global_members_are_cfn_lint_clean(role):
    assert lint_findings(json.dumps(render(global_database=role)), "us-east-1") == []


def test_no_password_in_template_parameters_or_outputs(document):
    text = json.dumps(document)
    assert '"MasterUserPassword"' not in text
    assert "NoEcho" not in text
    properties = document["Resources"]["DatabaseCluster"]["Properties"]
    assert properties["ManageMasterUserPassword"] is True
    assert properties["MasterUserSecret"] == {"KmsKeyId": {"Ref": "KmsKeyArn"}}
    assert all("password" not in name.lower() for name in document["Parameters"])
    secret_output = document["Outputs"]["MasterSecretArn"]["Value"]
    assert secret_output == {"Fn::GetAtt": ["DatabaseCluster", "MasterUserSecret.SecretArn"]}


def test_cluster_is_encrypted_audited_and_iam_enabled(document):
    properties = document["Resources"]["DatabaseCluster"]["Properties"]
    assert properties["StorageEncrypted"] is True
    assert properties["KmsKeyId"] == {"Ref": "KmsKeyArn"}
    assert properties["EnableIAMDatabaseAuthentication"] is True
    assert properties["DeletionProtection"] is False
    assert set(properties["EnableCloudwatchLogsExports"]) >= {"error", "slowquery", "audit"}
    assert properties["BackupRetentionPeriod"] == {"Ref": "BackupRetentionDays"}
    parameters = document["Resources"]["ClusterParameterGroup"]["Properties"]["Parameters"]
    assert parameters["require_secure_transport"] == "ON"
    assert parameters["slow_query_log"] == "1"


@pytest.mark.parametrize("policy", ["Delete", "Snapshot"])
def test_deletion_policy_follows_the_option(policy):
    resource = render(deletion_policy=policy)["Resources"]["DatabaseCluster"]
    assert resource["DeletionPolicy"] == policy
    assert resource["UpdateReplacePolicy"] == policy


def test_the_default_is_delete_and_only_prods_clusters_keep_a_final_snapshot(documents):
    assert render()["Resources"]["DatabaseCluster"]["DeletionPolicy"] == "Delete"
    policies = {
        name: document["Resources"]["DatabaseCluster"]["DeletionPolicy"]
        for name, document in documents.items()
        if name.endswith("/cluster")
    }
    assert policies == {
        "dev/us-east-1/cluster": "Delete",
        "staging/us-east-1/cluster": "Delete",
        "prod/us-east-1/cluster": "Snapshot",
        "prod/eu-west-1/cluster": "Snapshot",
    }


def test_unknown_option_is_refused():
    with pytest.raises(Exception, match=r"sceptre_user_data.deletion_policy = 'Retain'"):
        cluster.sceptre_handler({"deletion_policy": "Retain"})
    with pytest.raises(Exception, match=r"sceptre_user_data.instances = 'none'"):
        cluster.sceptre_handler({"instances": "none"})  # the database stack's option


def test_every_exported_log_has_its_encrypted_group_before_the_cluster(document):
    # RDS would create /aws/rds/cluster/{cluster}/{log} itself: no key, kept forever.
    resources = document["Resources"]
    database_cluster = resources["DatabaseCluster"]
    exports = database_cluster["Properties"]["EnableCloudwatchLogsExports"]
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
            {"Cluster": database_cluster["Properties"]["DBClusterIdentifier"]},
        ]
        assert props["KmsKeyId"] == {"Ref": "KmsKeyArn"}
        assert props["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert logical_id in database_cluster["DependsOn"]


def test_prod_audits_every_dml_statement(document):
    # server_audit (Aurora Advanced Auditing): QUERY_DML, SELECT included, in prod only
    parameters = document["Resources"]["ClusterParameterGroup"]["Properties"]["Parameters"]
    condition, in_prod, elsewhere = parameters["server_audit_events"]["Fn::If"]
    assert condition == "IsProd"
    assert set(in_prod.split(",")) == {"CONNECT", "QUERY_DDL", "QUERY_DCL", "QUERY_DML"}
    assert set(elsewhere.split(",")) == {"CONNECT", "QUERY_DDL", "QUERY_DCL"}
    assert parameters["server_audit_logging"] == "1"


def test_monitoring_role_carries_the_boundary_and_only_the_enhanced_monitoring_policy(document):
    role = document["Resources"]["EnhancedMonitoringRole"]
    assert role["Type"] == "AWS::IAM::Role"
    properties = role["Properties"]
    assert properties["PermissionsBoundary"] == permissions_boundary_arn().to_dict()
    (trust,) = properties["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Effect"] == "Allow"
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert properties["ManagedPolicyArns"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
            "AmazonRDSEnhancedMonitoringRole"
        }
    ]
    assert "Policies" not in properties
    assert document["Outputs"]["MonitoringRoleArn"]["Value"] == {
        "Fn::GetAtt": ["EnhancedMonitoringRole", "Arn"]
    }


@pytest.mark.parametrize("role", ["none", "primary", "secondary"])
def test_the_monitoring_role_is_the_clusters_in_every_role(role):
    # a headless secondary has it too: the instances a failover adds publish with it
    resources = render(global_database=role)["Resources"]
    roles = [logical_id for logical_id, r in resources.items() if r["Type"] == "AWS::IAM::Role"]
    assert roles == ["EnhancedMonitoringRole"]


def test_outputs_are_the_facts_the_other_stacks_take(document):
    outputs = document["Outputs"]
    assert set(outputs) == CLUSTER_OUTPUTS
    values = {name: output["Value"] for name, output in outputs.items()}
    assert values["ClusterEndpoint"] == {"Fn::GetAtt": ["DatabaseCluster", "Endpoint.Address"]}
    assert values["ReaderEndpoint"] == {"Fn::GetAtt": ["DatabaseCluster", "ReadEndpoint.Address"]}
    assert values["ClusterPort"] == {"Fn::GetAtt": ["DatabaseCluster", "Endpoint.Port"]}
    assert values["ClusterIdentifier"] == {"Ref": "DatabaseCluster"}
    assert (
        values["DatabaseName"]
        == document["Resources"]["DatabaseCluster"]["Properties"]["DatabaseName"]
    )
    instance_group = document["Resources"]["InstanceParameterGroup"]
    assert instance_group["Type"] == "AWS::RDS::DBParameterGroup"
    assert values["InstanceParameterGroupName"] == {"Ref": "InstanceParameterGroup"}
    for name, output in outputs.items():
        assert output["Export"] == {"Name": {"Fn::Sub": f"tapstack-${{EnvironmentName}}-{name}"}}


def test_the_primary_also_exports_its_global_cluster():
    primary = render(global_database="primary")
    assert set(primary["Outputs"]) == CLUSTER_OUTPUTS | {"GlobalClusterIdentifier"}
    assert primary["Outputs"]["GlobalClusterIdentifier"]["Value"] == {"Ref": "GlobalDatabase"}
    assert primary["Outputs"]["MasterSecretArn"]["Value"] == {"Ref": "GlobalMasterSecret"}
    attachment = primary["Resources"]["GlobalMasterSecretAttachment"]["Properties"]
    assert attachment == {
        "SecretId": {"Ref": "GlobalMasterSecret"},
        "TargetId": {"Ref": "DatabaseCluster"},
        "TargetType": "AWS::RDS::DBCluster",
    }
    secondary = render(global_database="secondary")
    assert set(secondary["Outputs"]) == CLUSTER_OUTPUTS


def _nothing_that_runs(document: dict) -> list[str]:
    """Logical ids of what must run code or wait for an instance before the stack is done."""
    return [
        f"{logical_id} ({resource['Type']})"
        for logical_id, resource in document["Resources"].items()
        if resource["Type"].startswith("Custom::")
        or resource["Type"]
        in (
            "AWS::CloudFormation::CustomResource",
            "AWS::Lambda::Function",
            "AWS::Serverless::Function",
            "AWS::RDS::DBInstance",
        )
        or "ServiceToken" in resource.get("Properties", {})
    ]


@pytest.mark.parametrize("role", ["none", "primary", "secondary"])
def test_the_cluster_has_no_function_no_custom_resource_and_no_instance(role):
    # what lets the stack start as early as the key and the network exist, and end with the
    # cluster: the instances and everything that runs code are the later stacks'
    assert _nothing_that_runs(render(global_database=role)) == []


def test_no_rendered_cluster_stack_has_a_function_or_a_custom_resource(documents):
    clusters = {name: d for name, d in documents.items() if name.endswith("/cluster")}
    assert len(clusters) == 4
    assert {name: _nothing_that_runs(d) for name, d in clusters.items()} == {
        name: [] for name in clusters
    }


def test_the_check_for_what_runs_does_find_a_function():
    # the check above can fail: a Lambda or a custom resource in the template is reported
    document = render()
    document["Resources"]["Oops"] = {"Type": "AWS::Lambda::Function", "Properties": {}}
    document["Resources"]["Later"] = {"Type": "Custom::X", "Properties": {"ServiceToken": "x"}}
    assert _nothing_that_runs(document) == [
        "Oops (AWS::Lambda::Function)",
        "Later (Custom::X)",
    ]
