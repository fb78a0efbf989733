"""!cfn_lint: a clean template passes; any finding fails the launch, listed."""

import json

import pytest
from sceptre.exceptions import InvalidHookArgumentSyntaxError
from sceptre.stack import Stack
from tapstack_hooks.cfn_lint import CfnLint, TemplateHasLintFindings, lint_findings

CLEAN = {
    "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "tapstack-alerts"}}
    }
}
DANGLING_REF = {
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "X"}}}}
}
UNUSED_PARAMETER = {"Parameters": {"Unused": {"Type": "String"}}, **CLEAN}


class StubTemplate:
    def __init__(self, document: dict) -> None:
        self.body = json.dumps(document)


def make_hook(document: dict, argument: object = None) -> CfnLint:
    stack = Stack(
        name="dev/us-east-1/alerts",
        project_code="tapstack",
        template_handler_config={"type": "file", "path": "alerts.py"},
        region="us-east-1",
    )
    stack._template = StubTemplate(document)  # the template Sceptre would send
    return CfnLint(argument).clone_for_stack(stack)


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


def test_ignored_rules_need_a_reason_and_are_skipped():
    make_hook(UNUSED_PARAMETER, {"ignore": {"W2001": "kept for the next release"}}).run()


@pytest.mark.parametrize("argument", ["W2001", {"ignore": ["W2001"]}, {"skip": {}}])
def test_malformed_argument_fails_at_setup(argument):
    with pytest.raises(InvalidHookArgumentSyntaxError, match="You gave"):
        make_hook(CLEAN, argument)
