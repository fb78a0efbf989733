"""Every stack of every group renders and passes cfn-lint with zero findings of any level."""

from tapstack_tools.rendered_templates import lint_all

EXPECTED_GROUPS = {"dev/us-east-1", "staging/us-east-1", "prod/us-east-1"}
FOUNDATION_STACKS = {"kms", "network", "storage"}


def test_every_group_holds_the_foundation_stacks(rendered):
    groups = {name.rsplit("/", 1)[0] for name in rendered}
    assert groups >= EXPECTED_GROUPS
    for group in EXPECTED_GROUPS:
        stacks = {name.rsplit("/", 1)[1] for name in rendered if name.startswith(group + "/")}
        assert stacks >= FOUNDATION_STACKS, group


def test_every_rendered_template_is_cfn_lint_clean(rendered):
    findings = {name: found for name, found in lint_all(rendered).items() if found}
    report = "\n".join(
        f"{name}:\n  " + "\n  ".join(found) for name, found in sorted(findings.items())
    )
    assert not findings, f"cfn-lint findings:\n{report}"


def test_the_lint_check_reports_a_broken_template(rendered):
    # The check above must be able to fail: a template with a dangling Ref is reported.
    reference = '"Ref": "EnvironmentName"'
    name, stack = next((n, s) for n, s in rendered.items() if reference in s["body"])
    broken = stack["body"].replace(reference, '"Ref": "NoSuchParameter"', 1)
    findings = lint_all({name: {"region": stack["region"], "body": broken}})[name]
    assert any(finding.startswith("E") for finding in findings), findings


def test_the_lint_check_runs_the_project_policy_rules(rendered):
    # The policy rules (policy_rules/) run on every template: a retained resource is reported.
    name, stack = next(
        (n, s) for n, s in rendered.items() if '"DeletionPolicy": "Delete"' in s["body"]
    )
    broken = stack["body"].replace('"DeletionPolicy": "Delete"', '"DeletionPolicy": "Retain"', 1)
    findings = lint_all({name: {"region": stack["region"], "body": broken}})[name]
    assert any(finding.startswith("E9001 ") for finding in findings), findings
