"""Run AWS's Guard Rules Registry over every rendered template with the cfn-guard 3 engine.

The rule files (PCI DSS 3.2.1, NIST 800-53 rev5, Well-Architected Security Pillar) are vendored
in tools/scanners/guard with their source commit; the engine is the static cfn-guard binary the
npm package @cdklabs/cdk-validator-cfnguard ships (tools/scanners/package-lock.json, installed
by `make env`). One run of the binary checks every distinct template, the StackSet's inner
template included. Used by `make lint` and tests/test_guard_rules.py.
"""

import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from tapstack_tools.rendered_templates import PROJECT_DIR, render_all, template_document

GUARD_DIR = PROJECT_DIR / "tools" / "scanners" / "guard"
RULES_DIR = GUARD_DIR / "rules"
PACKAGE_DIR = PROJECT_DIR / "tools" / "scanners" / "node_modules" / "@cdklabs"
# cfn-guard's exit codes: 0 every rule passed or skipped, 19 some rule failed.
GUARD_OK, GUARD_FAILED = 0, 19


def guard_binary() -> Path:
    """The cfn-guard binary for this machine, from the npm package."""
    system = {"Linux": "ubuntu", "Darwin": "macos"}[platform.system()]
    machine = {"x86_64": "x86_64", "AMD64": "x86_64", "arm64": "aarch64"}.get(
        platform.machine(), platform.machine()
    )
    binary = PACKAGE_DIR / "cdk-validator-cfnguard" / "bin" / system / machine / "cfn-guard"
    if not binary.is_file():
        raise FileNotFoundError(f"{binary} is missing: run `make env` (npm ci in tools/scanners)")
    return binary


def guard_documents(rendered: dict[str, dict]) -> dict[str, dict]:
    """{file stem: template} for every distinct rendered template and every StackSet's inner
    template (stacks of different groups often render the same template)."""
    documents: dict[str, dict] = {}
    seen: set[str] = set()
    for name, stack in sorted(rendered.items()):
        document = template_document(stack["body"])
        canonical = json.dumps(document, sort_keys=True)
        if canonical in seen:
            continue
        seen.add(canonical)
        stem = name.replace("/", "-")
        documents[stem] = document
        for logical_id, resource in document.get("Resources", {}).items():
            if resource["Type"] == "AWS::CloudFormation::StackSet":
                body = resource["Properties"]["TemplateBody"]
                inner = json.loads(body) if isinstance(body, str) else body
                documents[f"{stem}-{logical_id}"] = inner
    return documents


def _resources_named(node: object, found: set[str]) -> set[str]:
    """Logical ids of the resources a Guard report points at."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "path" and isinstance(value, str) and value.startswith("/Resources/"):
                found.add(value.split("/")[2])
            else:
                _resources_named(value, found)
    elif isinstance(node, list):
        for item in node:
            _resources_named(item, found)
    return found


def guard_findings(documents: dict[str, dict], rules: Path = RULES_DIR) -> dict[str, list[str]]:
    """{file stem: ["RULE resource, ..."]} for every template (empty lists when clean)."""
    with tempfile.TemporaryDirectory(prefix="tapstack-guard-") as folder:
        for stem, document in documents.items():
            (Path(folder) / f"{stem}.json").write_text(json.dumps(document, indent=1))
        result = subprocess.run(  # noqa: S603 - fixed argv
            [
                str(guard_binary()),
                "validate",
                "--rules",
                str(rules),
                "--data",
                folder,
                "--output-format",
                "json",
                "--show-summary",
                "none",
                "--structured",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    if result.returncode not in (GUARD_OK, GUARD_FAILED):
        raise RuntimeError(f"cfn-guard failed ({result.returncode}): {result.stderr[-2000:]}")
    reports = json.loads(result.stdout)
    findings = {stem: [] for stem in documents}
    for report in reports:
        stem = Path(report["name"]).stem
        for failure in report["not_compliant"]:
            resources = sorted(_resources_named(failure, set())) or ["(template)"]
            findings[stem].append(f"{failure['Rule']['name']} {', '.join(resources)}")
    if len(reports) != len(documents):
        raise RuntimeError(f"cfn-guard reported {len(reports)} of {len(documents)} templates")
    return findings


def main() -> int:
    """`tapstack-guard-rules`: every template through the Guard rules; list failures."""
    documents = guard_documents(render_all())
    findings = guard_findings(documents)
    for stem in sorted(findings):
        for finding in findings[stem]:
            print(f"{stem}: {finding}")
    total = sum(len(found) for found in findings.values())
    print(f"{len(documents)} templates checked against the Guard rules, {total} failing rules")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
