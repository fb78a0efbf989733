"""Retention and deletion windows are environment facts (`retention` in config/{env}/config.yaml):
every stack that keeps logs, backups or a key receives its environment's windows as constrained
parameters, and nothing in templates/ chooses them per environment."""

from collections import Counter

import pytest
import yaml
from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan
from tapstack_blocks.retention import (
    AUDIT_LOG_RETENTION_PARAMETER,
    BACKUP_RETENTION_PARAMETER,
    KEY_DELETION_WINDOW_PARAMETER,
    LOG_RETENTION_PARAMETER,
)
from tapstack_tools.rendered_templates import PROJECT_DIR, template_document

WINDOW_OF_PARAMETER = {
    LOG_RETENTION_PARAMETER: "log_days",
    AUDIT_LOG_RETENTION_PARAMETER: "audit_log_days",
    BACKUP_RETENTION_PARAMETER: "backup_days",
    KEY_DELETION_WINDOW_PARAMETER: "key_deletion_days",
}
# What the environments keep today (docs/environments.md, "Retention windows").
EXPECTED = {
    "dev": {"log_days": 30, "audit_log_days": 90, "backup_days": 7, "key_deletion_days": 7},
    "staging": {"log_days": 30, "audit_log_days": 90, "backup_days": 7, "key_deletion_days": 7},
    "prod": {"log_days": 365, "audit_log_days": 365, "backup_days": 30, "key_deletion_days": 30},
}


@pytest.fixture(scope="module")
def stacks() -> list:
    context = SceptreContext(
        project_path=str(PROJECT_DIR), command_path="", ignore_dependencies=True
    )
    return list(SceptrePlan(context).command_stacks)


def windows_of(environment: str) -> dict[str, int]:
    text = (PROJECT_DIR / "config" / environment / "config.yaml").read_text()
    return yaml.safe_load(text)["retention"]


@pytest.mark.parametrize("environment", sorted(EXPECTED))
def test_each_environment_states_its_windows(environment):
    assert windows_of(environment) == EXPECTED[environment]


def test_every_retention_parameter_is_its_environments_window(stacks):
    checked: Counter[str] = Counter()
    for stack in stacks:
        declared = template_document(stack.template.body).get("Parameters", {})
        environment = stack.stack_group_config["environment"]
        for parameter, window in WINDOW_OF_PARAMETER.items():
            if parameter in declared:
                given = stack.config["parameters"][parameter]
                assert given == str(windows_of(environment)[window]), (stack.name, parameter)
                assert "Default" not in declared[parameter], "the config decides, not a default"
                checked[stack.name.rsplit("/", 1)[1]] += 1
    # Per kind of stack, over its groups: cluster (its RDS logs and backups, 4 groups), the
    # functions' logs of compute, database (4 groups) and users (3), sync (prod); network's and
    # storage's audit logs (storage: the groups with a trail); kms's deletion window. The
    # migrations stack has no function and keeps nothing.
    assert checked == {
        "compute": 4,
        "cluster": 4 * 2,
        "database": 4,
        "users": 3,
        "sync": 1,
        "network": 4,
        "storage": 3,
        "kms": 4,
    }


def test_no_template_chooses_a_window_by_environment(stacks):
    for stack in stacks:
        for logical_id, resource in template_document(stack.template.body)["Resources"].items():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::Logs::LogGroup":
                assert isinstance(properties["RetentionInDays"], dict), (stack.name, logical_id)
            for key in ("RetentionInDays", "BackupRetentionPeriod", "PendingWindowInDays"):
                if key in properties and stack.name.split("/")[0] != "global":
                    assert set(properties[key]) == {"Ref"}, (stack.name, logical_id, key)
