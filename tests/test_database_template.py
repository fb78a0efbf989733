"""The database template: encryption, managed secret, no password anywhere, env differences."""

import json
import sys

import pytest
from rendered_templates import PROJECT_DIR
from tapstack_hooks.cfn_lint import lint_findings

sys.path.insert(0, str(PROJECT_DIR / "templates"))
import database


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
    assert cluster["BackupRetentionPeriod"] == {"Fn::If": ["IsProd", 30, 7]}
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
