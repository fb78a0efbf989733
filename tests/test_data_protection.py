"""protect_data (tapstack_blocks.protection, docs/operations.md): a validated fact of each
environment's config; off (the default everywhere) every resource tears down, on the data is
protected. Both settings are rendered, linted and checked against the Guard rules."""

import json

import cluster
import compute
import kms
import network
import pytest
import storage
from pydantic import ValidationError
from tapstack_environment.model import GroupConfig
from tapstack_hooks.cfn_lint import lint_findings
from tapstack_tools.guard_rules import guard_findings
from tapstack_tools.project_copy import copy_project
from tapstack_tools.rendered_templates import PROJECT_DIR, render_all, template_document

GROUP = {
    "environment": "prod",
    "region": "us-east-1",
    "az_count": 3,
    "environment_suffix": "main",
    "retention": {
        "log_days": 365,
        "audit_log_days": 365,
        "backup_days": 30,
        "key_deletion_days": 30,
    },
}


def rendered(protect_data: bool) -> dict[str, dict]:
    """{name: template} of every template protect_data changes, rendered with it."""
    options = {"protect_data": protect_data}
    return {
        "kms": kms.build(kms.KmsOptions(**options)),
        "network": network.build(network.NetworkOptions(**options)),
        "storage": storage.build(storage.StorageOptions(**options)),
        "compute": compute.build(compute.ComputeOptions(**options)),
        "cluster": cluster.build(cluster.ClusterOptions(deletion_policy="Snapshot", **options)),
        "cluster-global-primary": cluster.build(
            cluster.ClusterOptions(global_database="primary", **options)
        ),
    }


@pytest.fixture(scope="module", params=[False, True], ids=["destroyable", "protected"])
def setting(request) -> tuple[bool, dict[str, dict]]:
    return request.param, {
        name: json.loads(template.to_json()) for name, template in rendered(request.param).items()
    }


def resources(document: dict, kind: str) -> dict[str, dict]:
    return {k: r for k, r in document["Resources"].items() if r["Type"] == kind}


def test_the_setting_decides_deletion_protection_and_retention(setting):
    protect, documents = setting
    kept = "Retain" if protect else "Delete"
    key = documents["kms"]["Resources"]["EnvironmentKey"]
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == (kept, kept)
    flow_logs = documents["network"]["Resources"]["FlowLogGroup"]
    assert flow_logs["DeletionPolicy"] == kept
    table = documents["compute"]["Resources"]["SessionsTable"]["Properties"]
    assert table["DeletionProtectionEnabled"] is protect
    for name in ("cluster", "cluster-global-primary"):
        database_cluster = documents[name]["Resources"]["DatabaseCluster"]
        assert database_cluster["Properties"]["DeletionProtection"] is protect
        rds_logs = resources(documents[name], "AWS::Logs::LogGroup")
        for logical_id in ("RdsLogGroupAudit", "RdsLogGroupError", "RdsLogGroupSlowquery"):
            assert rds_logs[logical_id]["DeletionPolicy"] == kept, (name, logical_id)
    primary = documents["cluster-global-primary"]["Resources"]
    assert primary["GlobalDatabase"]["Properties"]["DeletionProtection"] is protect
    assert primary["GlobalMasterSecret"]["DeletionPolicy"] == kept
    lock = documents["storage"]["Resources"]["AuditLogBucket"]["Properties"]
    mode = lock["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"]
    assert mode == ("COMPLIANCE" if protect else "GOVERNANCE")


def test_destroyable_retains_nothing_at_all(setting):
    protect, documents = setting
    retained = [
        f"{name}:{logical_id}"
        for name, document in documents.items()
        for logical_id, resource in document["Resources"].items()
        if resource.get("DeletionPolicy") == "Retain"
    ]
    assert bool(retained) is protect, retained


def test_both_settings_are_cfn_lint_and_guard_clean(setting):
    _protect, documents = setting
    for name, document in documents.items():
        assert lint_findings(json.dumps(document), "us-east-1") == [], name
    findings = {name: found for name, found in guard_findings(documents).items() if found}
    assert findings == {}


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("yes", id="string"),
        pytest.param(1, id="number"),
        pytest.param(None, id="null"),
    ],
)
def test_protect_data_must_be_a_yaml_bool(value):
    with pytest.raises(ValidationError, match="protect_data"):
        GroupConfig.model_validate({**GROUP, "protect_data": value})
    assert GroupConfig.model_validate(GROUP).protect_data is False


def test_every_environment_declares_it_and_sceptre_passes_it_to_the_templates(tmp_path):
    # Every environment says it (false today, the seeds' requirement); turning it on in one
    # environment's config protects that environment's stacks and no other's.
    for environment in ("dev", "staging", "prod"):
        text = (PROJECT_DIR / "config" / environment / "config.yaml").read_text()
        assert "\nprotect_data: false\n" in text, environment
    project = copy_project(tmp_path / "project")
    config = project / "config" / "staging" / "config.yaml"
    config.write_text(config.read_text().replace("protect_data: false", "protect_data: true"))
    stacks = render_all(project)
    for name, stack in stacks.items():
        if not name.endswith("/kms"):
            continue
        key = template_document(stack["body"])["Resources"]["EnvironmentKey"]
        assert key["DeletionPolicy"] == ("Retain" if name.startswith("staging/") else "Delete")
