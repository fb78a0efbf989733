"""Render every stack of every group through Sceptre itself, and lint what it renders.

Used by the template tests, `make lint` and bench/render_lint_bench.py, so all three check the
very JSON `sceptre launch` would send.
"""

import functools
import json
import sys
from pathlib import Path

from sceptre.context import SceptreContext
from sceptre.plan.plan import SceptrePlan
from tapstack_hooks.cfn_lint import remembered_findings

from tapstack_tools.paths import PROJECT_DIR

# The project's policy as cfn-lint rules (E9001-E9007), run besides cfn-lint's own.
POLICY_RULES = PROJECT_DIR / "policy_rules" / "tapstack_policy_rules"


def render_all(project_dir: Path = PROJECT_DIR, command_path: str = "") -> dict[str, dict]:
    """{stack name: (region, template body)} for every stack under `command_path`."""
    context = SceptreContext(
        project_path=str(project_dir), command_path=command_path, ignore_dependencies=True
    )
    plan = SceptrePlan(context)
    return {
        stack.name: {"region": stack.region, "body": stack.template.body}
        for stack in sorted(plan.command_stacks, key=lambda stack: stack.name)
    }


def template_document(body: str) -> dict:
    """The template as a dict (Sceptre prefixes every body with a YAML `---`)."""
    return json.loads(body.removeprefix("---\n"))


def lint_all(rendered: dict[str, dict]) -> dict[str, list[str]]:
    """cfn-lint findings per stack, the project's policy rules included (empty when clean)."""
    # Stacks of different groups often render the same template: lint each distinct one once.
    # A clean result is shared with the !cfn_lint hook's remembered passes (the same inputs: the
    # hook lints what a launch sends with the same rules), so a launch after this lint, or this
    # lint after a launch, does not lint the same template again.
    lint_once = functools.cache(remembered_findings)
    rules = (str(POLICY_RULES),)
    return {
        name: lint_once(stack["body"], stack["region"], None, rules)
        for name, stack in rendered.items()
    }


def main() -> int:
    """`tapstack-render-lint`: render and lint everything; list findings."""
    rendered = render_all()
    findings = lint_all(rendered)
    width = max(len(name) for name in findings)
    print(f"{'stack':<{width}}  resources  findings")
    for name in sorted(findings):
        resources = len(template_document(rendered[name]["body"])["Resources"])
        print(f"{name:<{width}}  {resources:>9}  {len(findings[name]):>8}")
        for finding in findings[name]:
            print(f"{'':<{width}}    {finding}")
    total = sum(len(found) for found in findings.values())
    print(f"{len(findings)} stacks rendered, {total} cfn-lint findings")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
