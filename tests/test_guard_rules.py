"""AWS's Guard Rules Registry (PCI DSS 3.2.1, NIST 800-53 rev5, Well-Architected Security
Pillar) finds nothing in any rendered template, the StackSet's inner template included; every
exception sits beside its resource with its reason and is listed in docs/security.md."""

import copy
import json
import re

import pytest
from tapstack_tools.guard_rules import GUARD_DIR, RULES_DIR, guard_documents, guard_findings
from tapstack_tools.rendered_templates import PROJECT_DIR

SECURITY_DOC = PROJECT_DIR / "docs" / "security.md"
RULE_SETS = ["rule_set_pci_dss_3_2_1", "rule_set_nist800_53rev5", "rule_set_wa-Security-Pillar"]


@pytest.fixture(scope="module")
def guarded(rendered) -> dict[str, dict]:
    """Every distinct template the Guard step checks, StackSet inner templates included."""
    return guard_documents(rendered)


def _resources(guarded: dict[str, dict]):
    for stem, document in guarded.items():
        for logical_id, resource in document.get("Resources", {}).items():
            yield stem, logical_id, resource


def test_every_template_passes_the_guard_rules(guarded):
    assert any(stem.endswith("-BaselineStackSet") for stem in guarded), "inner template missing"
    findings = {stem: found for stem, found in guard_findings(guarded).items() if found}
    report = "\n".join(
        f"{stem}: {finding}" for stem, found in findings.items() for finding in found
    )
    assert not findings, f"Guard rule failures:\n{report}"


def test_the_guard_step_fails_when_a_template_breaks_a_rule(guarded):
    # An unencrypted cluster and a bucket policy without its TLS-only statement are reported.
    stem = next(stem for stem in guarded if stem.endswith("-cluster"))
    database = copy.deepcopy(guarded[stem])
    database["Resources"]["DatabaseCluster"]["Properties"]["StorageEncrypted"] = False
    storage_stem = next(stem for stem in guarded if stem.endswith("-storage"))
    storage = copy.deepcopy(guarded[storage_stem])
    for resource in storage["Resources"].values():
        if resource["Type"] == "AWS::S3::BucketPolicy":
            statements = resource["Properties"]["PolicyDocument"]["Statement"]
            statements[:] = [s for s in statements if s.get("Sid") != "DenyInsecureTransport"]
    findings = guard_findings({"broken-database": database, "broken-storage": storage})
    assert "RDS_STORAGE_ENCRYPTED DatabaseCluster" in findings["broken-database"], findings
    assert any(f.startswith("S3_BUCKET_SSL_REQUESTS_ONLY") for f in findings["broken-storage"])


def test_the_stackset_inner_template_is_checked(rendered):
    # Break the baseline inside the StackSet's TemplateBody: the step reports the inner resource.
    name = next(name for name in rendered if name.endswith("/stackset"))
    outer = json.loads(rendered[name]["body"].removeprefix("---\n"))
    stack_set = outer["Resources"]["BaselineStackSet"]["Properties"]
    inner = json.loads(stack_set["TemplateBody"])
    del inner["Resources"]["AuditTrailBucket"]["Properties"]["BucketEncryption"]
    stack_set["TemplateBody"] = json.dumps(inner)
    broken = {name: {"region": "us-east-1", "body": json.dumps(outer)}}
    documents = guard_documents(broken)
    findings = guard_findings(documents)
    inner_stem = next(stem for stem in documents if stem.endswith("-BaselineStackSet"))
    assert any("AuditTrailBucket" in f for f in findings[inner_stem]), findings


def test_a_suppression_names_the_rule_it_skips(guarded):
    # Suppressing an unrelated rule does not hide a failure: the exception is per rule.
    stem = next(stem for stem in guarded if stem.endswith("-cluster"))
    database = copy.deepcopy(guarded[stem])
    cluster = database["Resources"]["DatabaseCluster"]
    cluster["Properties"]["StorageEncrypted"] = False
    cluster["Metadata"] = {"guard": {"SuppressedRules": ["S3_BUCKET_LOGGING_ENABLED"]}}
    assert "RDS_STORAGE_ENCRYPTED DatabaseCluster" in guard_findings({"x": database})["x"]


def test_every_guard_exception_has_its_reason_and_is_documented(guarded):
    known_rules = {
        match
        for path in RULES_DIR.rglob("*.guard")
        for match in re.findall(r"^rule (\w+)", path.read_text(), re.M)
    }
    documented = SECURITY_DOC.read_text()
    exceptions = 0
    for stem, logical_id, resource in _resources(guarded):
        guard = resource.get("Metadata", {}).get("guard")
        if not guard:
            continue
        assert guard["SuppressedRules"] == sorted(guard["Reasons"]), (stem, logical_id)
        for rule, reason in guard["Reasons"].items():
            exceptions += 1
            assert rule in known_rules, f"{stem} {logical_id}: no vendored rule {rule}"
            assert len(reason) > 40, f"{stem} {logical_id}: {rule} lacks a reason"
            assert re.search(rf"\|[^|\n]*{rule}[^|\n]*\|[^|\n]*\b{logical_id}\b", documented), (
                f"docs/security.md does not list {rule} on {logical_id}"
            )
    assert exceptions


def test_every_checkov_suppression_is_documented(guarded):
    documented = SECURITY_DOC.read_text()
    for stem, logical_id, resource in _resources(guarded):
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            check = skip["id"]
            assert re.search(rf"\|[^|\n]*{check}\b[^|\n]*\|[^|\n]*\b{logical_id}\b", documented), (
                f"docs/security.md does not list {check} on {logical_id} ({stem})"
            )


def test_log_retention_choices_are_values_the_rule_allows(guarded):
    # CW_LOGGROUP_RETENTION_PERIOD_CHECK is suppressed where RetentionInDays is a parameter,
    # which Guard cannot resolve: every value the parameter allows must be in the rule's list.
    rule = (RULES_DIR / "aws/cloudwatch/cw_loggroup_retention_period_check.guard").read_text()
    allowed = json.loads(re.search(r"RetentionInDays IN (\[[\d, ]+\])", rule).group(1))
    checked = 0
    for stem, logical_id, resource in _resources(guarded):
        suppressed = resource.get("Metadata", {}).get("guard", {}).get("SuppressedRules", [])
        if "CW_LOGGROUP_RETENTION_PERIOD_CHECK" not in suppressed:
            continue
        parameter = guarded[stem]["Parameters"][resource["Properties"]["RetentionInDays"]["Ref"]]
        choices = parameter["AllowedValues"]
        assert choices and all(days in allowed for days in choices), (stem, logical_id, choices)
        checked += 1
    assert checked


def test_the_vendored_rules_are_the_three_rule_sets_whole():
    readme = (GUARD_DIR / "README.md").read_text()
    assert re.search(r"`[0-9a-f]{40}`", readme), "source commit missing"
    named = set()
    for rule_set in RULE_SETS:
        mapping = json.loads((GUARD_DIR / "mappings" / f"{rule_set}.json").read_text())
        named |= {entry["guardFilePath"] for entry in mapping["mappings"]}
    vendored = {str(path.relative_to(GUARD_DIR)) for path in RULES_DIR.rglob("*.guard")}
    assert named == vendored
