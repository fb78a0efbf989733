"""The database template: the cluster's instances (both at once), its connection parameters,
no password anywhere; the cluster itself is the cluster stack's (test_cluster_template.py)."""

import json

import database
import pytest
from tapstack_hooks.cfn_lint import lint_findings
from tapstack_tools.stack_reads import stacks_of

# What the instances take from the cluster stack, by parameter.
INSTANCE_FACTS = ("ClusterIdentifier", "InstanceParameterGroupName", "MonitoringRoleArn")


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(database.sceptre_handler({}))


@pytest.fixture(scope="module")
def headless() -> dict:
    return json.loads(
        database.sceptre_handler({"global_database": "secondary", "instances": "none"})
    )


def test_is_cfn_lint_clean(document, headless):
    assert lint_findings(json.dumps(document), "us-east-1") == []
    assert lint_findings(json.dumps(headless), "eu-west-1") == []


def test_no_password_in_template_parameters_or_outputs(document):
    text = json.dumps(document)
    assert '"MasterUserPassword"' not in text
    assert "NoEcho" not in text
    assert all("password" not in name.lower() for name in document["Parameters"])
    # only the master secret's ARN, a cluster stack output, reaches this stack
    assert document["Parameters"]["MasterSecretArn"]["AllowedPattern"].startswith(
        "^arn:aws[a-z-]*:secretsmanager:"
    )


def test_the_cluster_is_not_in_this_stack(document, headless):
    for rendered in (document, headless):
        types = {r["Type"] for r in rendered["Resources"].values()}
        assert not types & {
            "AWS::RDS::DBCluster",
            "AWS::RDS::GlobalCluster",
            "AWS::RDS::DBSubnetGroup",
            "AWS::RDS::DBClusterParameterGroup",
            "AWS::RDS::DBParameterGroup",
            "AWS::SecretsManager::Secret",
        }


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
    for instance in ("WriterInstance", "ReaderInstance"):
        assert "DependsOn" not in resources[instance]
    assert resources["WriterInstance"]["Properties"]["PromotionTier"] == 0
    assert resources["ReaderInstance"]["Properties"]["PromotionTier"] == 1


def test_instances_join_the_cluster_stacks_cluster_by_parameter(document):
    # cluster, parameter group and monitoring role all come from the cluster stack's outputs
    for instance in ("WriterInstance", "ReaderInstance"):
        resource = document["Resources"][instance]
        assert resource["Type"] == "AWS::RDS::DBInstance"
        properties = resource["Properties"]
        assert properties["DBClusterIdentifier"] == {"Ref": "ClusterIdentifier"}
        assert properties["DBParameterGroupName"] == {"Ref": "InstanceParameterGroupName"}
        assert properties["MonitoringRoleArn"] == {"Ref": "MonitoringRoleArn"}
        assert properties["MonitoringInterval"] == 60
        assert properties["DBInstanceClass"] == {"Ref": "InstanceClass"}
        assert properties["PubliclyAccessible"] is False
        assert properties["Engine"] == "aurora-mysql"
    parameters = document["Parameters"]
    assert parameters["MonitoringRoleArn"]["AllowedPattern"].startswith("^arn:aws[a-z-]*:iam::")
    assert ":role/" in parameters["MonitoringRoleArn"]["AllowedPattern"]
    for fact in INSTANCE_FACTS:
        assert "(cluster stack" in parameters[fact]["Description"], fact
    # no role of its own for monitoring: the cluster stack's, created with the cluster
    assert "EnhancedMonitoringRole" not in document["Resources"]


def test_instances_are_exported_with_their_tier(document):
    outputs = document["Outputs"]
    assert set(outputs) == {"WriterInstanceIdentifier", "ReaderInstanceIdentifier"}
    assert outputs["WriterInstanceIdentifier"]["Value"] == {"Ref": "WriterInstance"}
    assert "Condition" not in outputs["WriterInstanceIdentifier"]
    assert outputs["ReaderInstanceIdentifier"]["Value"] == {"Ref": "ReaderInstance"}
    assert outputs["ReaderInstanceIdentifier"]["Condition"] == "IsProd"


def test_a_headless_secondary_has_no_instances(headless):
    types = {r["Type"] for r in headless["Resources"].values()}
    assert "AWS::RDS::DBInstance" not in types
    assert headless["Outputs"]["InstanceClass"]["Value"] == {"Ref": "InstanceClass"}
    assert set(headless["Outputs"]) == {"InstanceClass"}
    # and takes none of what only instances need
    for fact in INSTANCE_FACTS:
        assert fact not in headless["Parameters"], fact
    assert "InstanceClass" in headless["Parameters"]


def test_the_rendered_prod_secondary_is_headless_and_the_primary_is_not(documents):
    secondary = documents["prod/eu-west-1/database"]
    assert not [r for r in secondary["Resources"].values() if r["Type"] == "AWS::RDS::DBInstance"]
    for name in ("prod/us-east-1/database", "staging/us-east-1/database", "dev/us-east-1/database"):
        resources = documents[name]["Resources"]
        assert {"WriterInstance", "ReaderInstance"} <= set(resources), name


def test_only_a_secondary_may_be_headless():
    with pytest.raises(Exception, match="instances: none is only for global_database: secondary"):
        database.sceptre_handler({"global_database": "primary", "instances": "none"})
    with pytest.raises(Exception, match="instances: none is only for global_database: secondary"):
        database.sceptre_handler({"instances": "none"})


def test_instance_classes_start_at_r5_large(document):
    allowed = document["Parameters"]["InstanceClass"]["AllowedValues"]
    assert document["Parameters"]["InstanceClass"]["Default"] == "db.r5.large"
    assert all(cls.startswith(("db.r5.", "db.r6", "db.r7")) for cls in allowed)
    assert not any(cls.endswith((".medium", ".small", ".micro")) for cls in allowed)


def test_unknown_option_is_refused():
    # deletion_policy and protect_data are the cluster stack's options now
    for option, value in (("deletion_policy", "Snapshot"), ("protect_data", True)):
        with pytest.raises(Exception, match=rf"sceptre_user_data.{option} = {value!r}"):
            database.sceptre_handler({option: value})
    with pytest.raises(Exception, match=r"sceptre_user_data.instances = 'some'"):
        database.sceptre_handler({"instances": "some"})


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
    # each fact is the cluster stack's, taken as a parameter
    values = {name.rsplit("/", 1)[1]: p["Value"] for name, p in published.items()}
    assert values == {
        "endpoint": {"Ref": "DatabaseEndpoint"},
        "port": {"Ref": "DatabasePort"},
        "name": {"Ref": "DatabaseName"},
        "secret-arn": {"Ref": "MasterSecretArn"},
    }


def test_standalone_cluster_publishes_its_endpoint_as_the_writer_name(document):
    parameter = document["Resources"]["WriterDnsParameter"]
    assert parameter["Type"] == "AWS::SSM::Parameter"
    assert parameter["Properties"]["Name"] == {
        "Fn::Sub": "/tapstack/${EnvironmentName}/db/writer-dns"
    }
    assert parameter["Properties"]["Type"] == "String"
    # the cluster endpoint (cluster stack output ClusterEndpoint), never an instance's
    assert parameter["Properties"]["Value"] == {"Ref": "DatabaseEndpoint"}


def test_every_database_stack_takes_the_writer_endpoint_of_its_own_cluster_stack():
    # the writer name and the endpoint parameter are the cluster's writer endpoint, never
    # its reader endpoint or another group's cluster (read as Sceptre reads the config)
    for group in ("dev/us-east-1", "staging/us-east-1", "prod/us-east-1", "prod/eu-west-1"):
        (stack,) = [s for s in stacks_of(group) if s.name == f"{group}/database"]
        endpoint = stack.config["parameters"]["DatabaseEndpoint"]
        assert type(endpoint).__name__ == "StackOutput", group
        assert endpoint.argument == f"{group}/cluster.yaml::ClusterEndpoint", group


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_global_database_member_leaves_the_writer_name_to_the_baseline(role):
    # the baseline StackSet publishes the failover name there: one owner per parameter
    options = {"global_database": role, **({"instances": "none"} if role == "secondary" else {})}
    for rendered in (
        json.loads(database.sceptre_handler({"global_database": role})),
        json.loads(database.sceptre_handler(options)),
    ):
        published = [
            r
            for r in rendered["Resources"].values()
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
