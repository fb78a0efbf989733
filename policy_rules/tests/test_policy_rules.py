"""Each project-policy rule catches its failing fixture and passes its passing one; the
passing fixtures are clean under every project rule, so each shows the policy kept."""

import ast
from pathlib import Path

import pytest
from tapstack_hooks.cfn_lint import lint_findings

RULES_DIR = Path(__file__).resolve().parents[1] / "tapstack_policy_rules"
FIXTURES = Path(__file__).with_name("fixtures")
RULES = {
    "no_retain": "E9001",
    "constrained_parameters": "E9002",
    "export_names": "E9003",
    "no_internet_path": "E9004",
    "customer_managed_keys": "E9005",
    "tls_only_policies": "E9006",
    "exact_principals": "E9007",
}


def findings(fixture: Path) -> list[str]:
    return lint_findings(fixture.read_text(), "us-east-1", None, (str(RULES_DIR),))


def project_findings(found: list[str]) -> list[str]:
    return [finding for finding in found if finding.startswith(("E9", "W9"))]


@pytest.mark.parametrize(("module", "rule_id"), RULES.items(), ids=list(RULES))
def test_the_failing_fixture_is_caught(module, rule_id):
    found = project_findings(findings(FIXTURES / module / "fail.json"))
    assert any(finding.startswith(f"{rule_id} ") for finding in found), found


@pytest.mark.parametrize(("module", "rule_id"), RULES.items(), ids=list(RULES))
def test_the_passing_fixture_is_not(module, rule_id):
    assert project_findings(findings(FIXTURES / module / "pass.json")) == []


def test_one_rule_a_module_each_with_its_fixtures():
    modules = {path.stem: path for path in RULES_DIR.glob("[a-z]*.py")}
    assert set(modules) == set(RULES)
    for module, path in modules.items():
        tree = ast.parse(path.read_text())
        ids = [
            node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and [target.id for target in node.targets if isinstance(target, ast.Name)] == ["id"]
        ]
        assert ids == [RULES[module]], (module, ids)
        assert {p.name for p in (FIXTURES / module).iterdir()} == {"pass.json", "fail.json"}
