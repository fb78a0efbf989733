"""!cfn_lint: a clean template passes; any finding fails the launch, listed."""

import importlib.metadata
import json
import sys

import pytest
from sceptre.exceptions import InvalidHookArgumentSyntaxError
from tapstack_hooks.cfn_lint import (
    CfnLint,
    CfnLintMissingError,
    RulesFolderMissingError,
    TemplateHasLintFindings,
    lint_findings,
    remembered_findings,
)
from tapstack_hooks.hook_points import HookPlacementError
from tapstack_tools.sceptre_scratch import place_hook

CLEAN = {
    "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "tapstack-alerts"}}
    }
}
DANGLING_REF = {
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "X"}}}}
}
UNUSED_PARAMETER = {"Parameters": {"Unused": {"Type": "String"}}, **CLEAN}


@pytest.fixture(autouse=True)
def lint_cache(tmp_path, monkeypatch):
    """Each test with a cache of its own (tapstack_hooks.lint_cache)."""
    folder = tmp_path / "lint-cache"
    monkeypatch.setenv("TAPSTACK_LINT_CACHE", str(folder))
    return folder


def counting_lint(monkeypatch) -> list[str]:
    """Count the hook's cfn-lint runs (the real lint still runs)."""
    runs: list[str] = []

    def counted(body, *args):
        runs.append(body)
        return lint_findings(body, *args)

    monkeypatch.setattr("tapstack_hooks.cfn_lint.lint_findings", counted)
    return runs


class StubTemplate:
    def __init__(self, document: dict) -> None:
        self.body = json.dumps(document)


def make_hook(document: dict, argument: object = None, point: str = "before_create") -> CfnLint:
    hook = place_hook(CfnLint(argument), point, name="dev/us-east-1/alerts")
    hook.stack._template = StubTemplate(document)  # the template Sceptre would send
    return hook


def test_clean_template_passes():
    make_hook(CLEAN).run()


@pytest.mark.parametrize(
    ("document", "rule"),
    [
        pytest.param(DANGLING_REF, "E1020", id="error"),
        pytest.param(UNUSED_PARAMETER, "W2001", id="warning"),
    ],
)
def test_findings_fail_the_launch_listing_each(document, rule):
    with pytest.raises(TemplateHasLintFindings) as caught:
        make_hook(document).run()
    assert "dev/us-east-1/alerts: cfn-lint found 1 problem(s)" in str(caught.value)
    assert rule in str(caught.value)


def test_informational_findings_count_too():
    log_group = {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"}}}
    findings = lint_findings(json.dumps(log_group), "us-east-1")
    assert any(finding.startswith("I3011") for finding in findings), findings


RETAINED = {
    "Resources": {
        "Topic": {
            "Type": "AWS::SNS::Topic",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {"TopicName": "tapstack-alerts"},
        }
    }
}
NO_RETAIN_RULE = """
from cfnlint.rules import CloudFormationLintRule, RuleMatch


class NoRetain(CloudFormationLintRule):
    id = "E9901"
    shortdesc = "No Retain"
    description = "No Retain"
    tags = ["test"]

    def match(self, cfn):
        return [
            RuleMatch(["Resources", name], f"{name} is retained")
            for name, resource in cfn.template["Resources"].items()
            if resource.get("DeletionPolicy") == "Retain"
        ]
"""


def test_custom_rules_folders_run_besides_cfn_lints_own(tmp_path):
    # GIVEN a project with a folder of custom rules, and a template that breaks one
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "no_retain.py").write_text(NO_RETAIN_RULE)
    make_hook(RETAINED).run()  # cfn-lint's own rules find nothing
    hook = make_hook(RETAINED, {"rules": ["rules"]})
    hook.stack.stack_group_config["project_path"] = str(tmp_path)
    # WHEN the hook runs with the folder THEN the custom rule's finding fails the launch
    with pytest.raises(TemplateHasLintFindings, match=r"E9901 line \d+: Topic is retained"):
        hook.run()


def test_a_clean_template_is_linted_once_and_remembered(monkeypatch, lint_cache):
    runs = counting_lint(monkeypatch)
    make_hook(CLEAN).run()
    make_hook(CLEAN, point="before_update").run()
    assert len(runs) == 1 and len(list(lint_cache.iterdir())) == 1
    # another region is another input: linted again
    hook = make_hook(CLEAN)
    hook.stack.region = "eu-west-1"
    hook.run()
    assert len(runs) == 2


def test_findings_are_never_remembered(monkeypatch, lint_cache):
    runs = counting_lint(monkeypatch)
    for _ in range(2):
        with pytest.raises(TemplateHasLintFindings):
            make_hook(DANGLING_REF).run()
    assert len(runs) == 2
    assert not lint_cache.exists() or list(lint_cache.iterdir()) == []


def test_a_changed_rule_module_lints_the_remembered_template_again(tmp_path):
    # GIVEN a template that passed with a folder of custom rules that accept it
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "no_retain.py").write_text(NO_RETAIN_RULE.replace("E9901", "E9902"))
    rule = tmp_path / "rules" / "no_retain.py"
    rule.write_text(rule.read_text().replace('== "Retain"', '== "Never"'))
    hook = make_hook(RETAINED, {"rules": ["rules"]})
    hook.stack.stack_group_config["project_path"] = str(tmp_path)
    hook.run()
    # WHEN the rule module changes so that it refuses the template
    rule.write_text(NO_RETAIN_RULE)
    # THEN the pass is not reused: the changed rule runs and fails the launch
    with pytest.raises(TemplateHasLintFindings, match="E9901"):
        hook.run()


def test_a_rules_folder_the_project_lacks_is_one_clear_error(tmp_path, monkeypatch):
    runs = counting_lint(monkeypatch)
    hook = make_hook(CLEAN, {"rules": ["policy_rules/missing"]})
    hook.stack.stack_group_config["project_path"] = str(tmp_path)
    missing = r"policy_rules/missing, which is not a folder"
    with pytest.raises(RulesFolderMissingError, match=missing):
        hook.run()
    assert runs == []


def test_ignored_rules_need_a_reason_and_are_skipped():
    make_hook(UNUSED_PARAMETER, {"ignore": {"W2001": "kept for the next release"}}).run()


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        pytest.param("W2001", "the argument must be a mapping of ignore", id="a string"),
        pytest.param({"ignore": ["W2001"]}, "`ignore` takes a mapping of rule ids", id="a list"),
        pytest.param(
            {"skip": {}}, "unknown key `skip` (the keys are ignore, rules)", id="unknown key"
        ),
        pytest.param({"rules": "policy"}, "`rules` takes a list of folders", id="rules not a list"),
        pytest.param({"ignore": {"W2001": ""}}, "`ignore` takes", id="empty reason"),
        pytest.param({"ignore": {"W2001": "   "}}, "`ignore` takes", id="blank reason"),
        pytest.param({"ignore": {"W2001": None}}, "`ignore` takes", id="no reason"),
        pytest.param({"ignore": {"unused": "x"}}, "`ignore` takes", id="not a rule id"),
    ],
)
def test_malformed_argument_fails_at_setup_naming_the_key(argument, message):
    with pytest.raises(InvalidHookArgumentSyntaxError) as caught:
        make_hook(CLEAN, argument)
    assert str(caught.value).startswith("dev/us-east-1/alerts: !cfn_lint: ")
    assert message in str(caught.value)
    assert "a non-empty reason each" in str(caught.value)


@pytest.mark.parametrize("point", ["after_create", "before_delete"])
def test_other_hook_points_are_refused(point):
    with pytest.raises(HookPlacementError, match=f"not under `{point}`"):
        make_hook(CLEAN, None, point)


def test_without_cfn_lint_installed_it_says_which_extra_to_install(monkeypatch):
    # cfn-lint is an extra: a project installed without it gets one message at plan time.
    monkeypatch.setitem(sys.modules, "cfnlint", None)
    monkeypatch.setitem(sys.modules, "cfnlint.api", None)
    with pytest.raises(CfnLintMissingError) as caught:
        make_hook(CLEAN)
    assert "pip install 'sceptre-tapstack-hooks[cfn-lint]'" in str(caught.value)


def test_cfn_lint_is_an_extra_of_the_distribution_not_a_dependency():
    requirements = importlib.metadata.requires("sceptre-tapstack-hooks") or []
    cfn_lint = [r for r in requirements if r.startswith("cfn-lint")]
    markers = [r.partition(";")[2].replace('"', "'").strip() for r in cfn_lint]
    assert cfn_lint and markers == ["extra == 'cfn-lint'"] * len(cfn_lint), requirements


def test_the_same_rules_in_another_checkout_reuse_the_pass(tmp_path, monkeypatch, lint_cache):
    # GIVEN a template that passed with a project's rules folder
    runs = counting_lint(monkeypatch)
    for checkout in ("first", "second"):
        (tmp_path / checkout / "rules").mkdir(parents=True)
        (tmp_path / checkout / "rules" / "no_retain.py").write_text(NO_RETAIN_RULE)
    for checkout in ("first", "second"):
        hook = make_hook(CLEAN, {"rules": ["rules"]})
        hook.stack.stack_group_config["project_path"] = str(tmp_path / checkout)
        hook.run()
    # THEN the same project checked out elsewhere (same rule modules, same content) is not
    # linted again: where the project lives is no input of the result
    assert len(runs) == 1 and len(list(lint_cache.iterdir())) == 1


def test_other_tools_share_the_hooks_remembered_passes(monkeypatch, lint_cache):
    runs = counting_lint(monkeypatch)
    body = json.dumps(CLEAN)
    # WHEN a tool lints what a launch will send, THEN the launch's hook does not lint it again
    assert remembered_findings(body, "us-east-1") == []
    make_hook(CLEAN).run()
    assert len(runs) == 1
    # and findings are never remembered by the tool either
    broken = json.dumps(DANGLING_REF)
    assert remembered_findings(broken, "us-east-1") and remembered_findings(broken, "us-east-1")
    assert len(runs) == 3
