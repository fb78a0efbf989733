"""Bad config stops Sceptre before any stack is touched, with one message naming file, key, value.

Each case edits one line of a copy of the real project and runs the real `sceptre` CLI.
"""

import pytest
from tapstack_tools.project_copy import copy_project, edit, run_sceptre

BAD_CONFIG = [
    pytest.param(
        ("config/config.yaml", "us-east-1: 10.1.0.0/16", "us-east-1: 10.1.0.0/33"),
        (),
        ["config/config.yaml", "address_plan.dev.us-east-1", "10.1.0.0/33", "not a valid IPv4"],
        id="malformed-cidr",
    ),
    pytest.param(
        ("config/config.yaml", "us-east-1: 10.2.0.0/16", "us-east-1: 10.3.0.0/16"),
        (),
        ["config/config.yaml", "address_plan", "10.3.0.0/16 of staging/us-east-1 overlaps"],
        id="overlapping-cidrs",
    ),
    pytest.param(
        ("config/dev/config.yaml", "environment: dev", "environment: qa"),
        (),
        ["config/dev/config.yaml", "environment = 'qa'", "unknown environment"],
        id="unknown-environment",
    ),
    pytest.param(
        ("config/dev/config.yaml", "az_count: 2", "az_count: 4"),
        (),
        ["config/dev/config.yaml", "az_count = 4", "less than or equal to 3"],
        id="az-count-too-high",
    ),
    pytest.param(
        ("config/dev/config.yaml", "protect_data: false", "protect_data: yes please"),
        (),
        ["config/dev/config.yaml", "protect_data = 'yes please'", "valid boolean"],
        id="protect-data-not-a-bool",
    ),
    pytest.param(
        ("config/dev/config.yaml", "az_count: 2", "az_count: 1"),
        (),
        ["config/dev/config.yaml", "az_count = 1", "greater than or equal to 2"],
        id="az-count-too-low",
    ),
    pytest.param(
        ("config/config.yaml", 'dev: "111111111111"', 'dev: "11111111111"'),
        (),
        ["config/config.yaml", "accounts.dev = '11111111111'", "pattern"],
        id="account-id-not-12-digits",
    ),
    pytest.param(
        None,
        ("--var", "environment_suffix=Bad_Suffix"),
        ["config/config.yaml", "environment_suffix = 'Bad_Suffix'", "pattern"],
        id="suffix-breaks-naming-pattern",
    ),
    pytest.param(
        (
            "config/config.yaml",
            "staging: arn:aws:iam::123456789012:user/tapstack-deployer-staging",
            "staging: arn:aws:iam::123456789012:user/tapstack-deployer-prod",
        ),
        (),
        [
            "config/config.yaml: deployers:",
            "staging and prod share the deployer "
            "arn:aws:iam::123456789012:user/tapstack-deployer-prod",
            "shared_deployer: true",
        ],
        id="two-environments-share-a-deployer",
    ),
    pytest.param(
        (
            "config/config.yaml",
            "dev: arn:aws:iam::123456789012:user/tapstack-deployer-dev",
            "dev: arn:aws:iam::12345678901:user/tapstack-deployer-dev",
        ),
        (),
        [
            "config/config.yaml",
            "deployers.dev = 'arn:aws:iam::12345678901:user/tapstack-deployer-dev'",
            "12-digit account",
        ],
        id="deployer-account-not-12-digits",
    ),
    pytest.param(
        (
            "config/config.yaml",
            "dev: arn:aws:iam::123456789012:user/tapstack-deployer-dev",
            "dev: arn:aws:iam::123456789012:group/tapstack-deployers",
        ),
        (),
        ["config/config.yaml", "deployers.dev = 'arn:aws:iam::123456789012:group/", "IAM role"],
        id="deployer-not-a-role-or-user",
    ),
    pytest.param(
        (
            "config/config.yaml",
            "  dev: arn:aws:iam::123456789012:user/tapstack-deployer-dev\n",
            "",
        ),
        (),
        ["config/config.yaml: deployers:", "names no deployer for dev"],
        id="environment-without-a-deployer",
    ),
    pytest.param(
        ("config/config.yaml", "  - fee_schedules\n", "  - tapstack_environment\n"),
        (),
        ["config/config.yaml", "sync_allowlist", "tapstack_environment is the migrator's own"],
        id="allowlist-names-the-environment-marker",
    ),
    pytest.param(
        ("config/config.yaml", "  - fee_schedules\n", "  - currencies\n"),
        (),
        ["config/config.yaml", "sync_allowlist", "lists currencies more than once"],
        id="allowlist-repeats-a-table",
    ),
    pytest.param(
        ("config/config.yaml", "  - fee_schedules\n", "  - Fee-Schedules\n"),
        (),
        ["config/config.yaml", "sync_allowlist.1 = 'Fee-Schedules'", "pattern"],
        id="allowlist-table-name-malformed",
    ),
    pytest.param(
        ("config/config.yaml", "sceptre_role: !deploy_role", "sceptre_role: !deploy_role x-deploy"),
        (),
        ["!deploy_role takes no argument", "tapstack-deploy-{env}", "You gave 'x-deploy'"],
        id="deploy-role-given-a-name",
    ),
    pytest.param(
        ("config/dev/config.yaml", "  log_days: 30 ", "  log_days: 31 "),
        (),
        ["config/dev/config.yaml", "retention.log_days = 31", "not a CloudWatch Logs retention"],
        id="log-retention-not-a-cloudwatch-period",
    ),
    pytest.param(
        ("config/dev/config.yaml", "  backup_days: 7 ", "  backup_days: 36 "),
        (),
        ["config/dev/config.yaml", "retention.backup_days = 36", "less than or equal to 35"],
        id="backup-retention-too-long",
    ),
    pytest.param(
        ("config/dev/config.yaml", "  key_deletion_days: 7 ", "  key_deletion_days: 3 "),
        (),
        ["config/dev/config.yaml", "retention.key_deletion_days = 3", "greater than or equal to 7"],
        id="key-deletion-window-too-short",
    ),
    pytest.param(
        ("config/dev/config.yaml", "  audit_log_days: 90 ", "  audit_log_days: '90' "),
        (),
        ["config/dev/config.yaml", "retention.audit_log_days = '90'", "valid integer"],
        id="audit-retention-not-a-number",
    ),
    pytest.param(
        ("config/dev/config.yaml", "  backup_days: 7 ", "  backup_weeks: 1 "),
        (),
        ["config/dev/config.yaml", "retention.backup_weeks", "Extra inputs are not permitted"],
        id="retention-unknown-key",
    ),
]


@pytest.mark.parametrize(("change", "extra_args", "expected"), BAD_CONFIG)
def test_bad_config_is_refused_before_any_stack_action(tmp_path, change, extra_args, expected):
    project = copy_project(tmp_path)
    if change:
        edit(project, *change)
    result = run_sceptre(project, *extra_args, "--output", "json", "generate", "dev/us-east-1")
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "Invalid tapstack config for stack dev/us-east-1/" in message
    for fragment in expected:
        assert fragment in message, message
    assert "Traceback" not in message, message
    assert "Could not connect" not in message, "validation must happen before any AWS call"


def test_unknown_sceptre_user_data_is_refused_naming_template_key_and_value(tmp_path):
    project = copy_project(tmp_path)
    stack = project / "config/dev/us-east-1/storage.yaml"
    stack.write_text(stack.read_text() + "sceptre_user_data:\n  bucket_count: 7\n")
    result = run_sceptre(project, "--output", "json", "generate", "dev/us-east-1/storage.yaml")
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "Invalid sceptre_user_data for the storage template" in message, message
    assert "sceptre_user_data.bucket_count = 7" in message, message


def test_the_unchanged_project_is_accepted(tmp_path):
    project = copy_project(tmp_path)
    result = run_sceptre(project, "--output", "json", "generate", "dev/us-east-1/kms.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("engine_version", "warned"),
    [
        pytest.param("5.7.mysql_aurora.2.12.4", True, id="aurora-mysql-2"),
        pytest.param("8.0.mysql_aurora.3.08.2", False, id="aurora-mysql-3"),
    ],
)
def test_aurora_mysql_2_is_accepted_with_a_support_warning(tmp_path, engine_version, warned):
    project = copy_project(tmp_path)
    (project / "config/dev/us-east-1/database.yaml").write_text(
        f"template:\n  path: database.py\nparameters:\n  EngineVersion: {engine_version}\n"
    )
    result = run_sceptre(project, "--output", "json", "generate", "dev/us-east-1/database.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    message = "past the end of standard support"
    assert (message in result.stderr) is warned, result.stderr
    if warned:
        assert f"dev/us-east-1/database - EngineVersion {engine_version}" in result.stderr


def test_a_shared_deployer_is_accepted_only_with_the_flag_and_warns(tmp_path):
    project = copy_project(tmp_path)
    edit(
        project,
        "config/config.yaml",
        "staging: arn:aws:iam::123456789012:user/tapstack-deployer-staging",
        "staging: arn:aws:iam::123456789012:user/tapstack-deployer-prod",
    )
    edit(project, "config/config.yaml", "\ndeployers:\n", "\nshared_deployer: true\ndeployers:\n")
    result = run_sceptre(project, "--output", "json", "generate", "dev/us-east-1/kms.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dev/us-east-1/kms - config/config.yaml: shared_deployer = True" in result.stderr
    assert "holds the others too" in result.stderr


def test_each_iam_stack_is_given_its_own_environments_deployer():
    from tapstack_tools.deployment import stacks_of

    for environment in ("dev", "staging", "prod"):
        (iam,) = [s for s in stacks_of(f"{environment}/us-east-1") if s.name.endswith("/iam")]
        expected = f"arn:aws:iam::123456789012:user/tapstack-deployer-{environment}"
        assert iam.parameters["DeployerPrincipalArn"] == expected
        prod_deployer = "arn:aws:iam::123456789012:user/tapstack-deployer-prod"
        assert iam.parameters["PeeringRequesterPrincipalArn"] == prod_deployer


def test_an_unknown_environment_is_refused_by_the_iam_stack_itself(tmp_path):
    # The iam stack's config indexes `deployers` by environment: an unknown one must reach the
    # config model's message, not a Jinja error (Sceptre reads the stacks of a group in no
    # fixed order, so the group-wide case above may be decided by another stack).
    project = copy_project(tmp_path)
    edit(project, "config/dev/config.yaml", "environment: dev", "environment: qa")
    result = run_sceptre(project, "--output", "json", "generate", "dev/us-east-1/iam.yaml")
    message = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Invalid tapstack config for stack dev/us-east-1/iam" in message, message
    assert "environment = 'qa': unknown environment" in message, message


def test_an_unknown_environment_stops_the_bootstrap_before_any_stack_action(tmp_path):
    # The bootstrap runs as the account's admin, without !deploy_role: the accounts map has no
    # account for the environment, and the iam stack's config says so naming it.
    project = copy_project(tmp_path)
    edit(project, "config/dev/config.yaml", "environment: dev", "environment: qa")
    result = run_sceptre(
        project, "--var", "bootstrap=true", "--output", "json", "generate", "dev/us-east-1/iam.yaml"
    )
    message = result.stdout + result.stderr
    assert result.returncode != 0
    assert "dev/us-east-1/iam.yaml" in message and "'qa'" in message, message
    assert "Could not connect" not in message, message
