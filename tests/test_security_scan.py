"""checkov finds nothing in any rendered template; every suppression carries its reason."""

import json
from pathlib import Path

from tapstack_tools.checkov_scan import run_checkov, write_templates
from tapstack_tools.rendered_templates import PROJECT_DIR, template_document


def test_checkov_reports_no_failed_check(rendered, tmp_path):
    write_templates(rendered, tmp_path)
    report = run_checkov(tmp_path)
    failed = report["results"]["failed_checks"]
    listing = "\n".join(
        f"{check['check_id']} {check['resource']} in {Path(check['file_path']).name}: "
        f"{check['check_name']}"
        for check in failed
    )
    assert not failed, f"checkov findings:\n{listing}"
    assert report["summary"]["passed"] > 0
    for skipped in report["results"]["skipped_checks"]:
        reason = skipped["check_result"]["suppress_comment"]
        assert len(reason) > 40, f"{skipped['check_id']} lacks a reason"


def test_checkov_catches_a_public_bucket(rendered, tmp_path):
    # The scan above must be able to fail: an unencrypted, public bucket is reported.
    name = next(name for name in rendered if name.endswith("/storage"))
    document = template_document(rendered[name]["body"])
    bucket = document["Resources"]["MigrationBucket"]
    del bucket["Properties"]["PublicAccessBlockConfiguration"]
    (tmp_path / "broken.json").write_text(json.dumps(document))
    failed = {check["check_id"] for check in run_checkov(tmp_path)["results"]["failed_checks"]}
    assert "CKV_AWS_53" in failed, failed


def test_checkov_reports_nothing_in_the_lambda_dockerfiles():
    dockerfiles = sorted((PROJECT_DIR / "lambda").glob("*/Dockerfile"))
    assert dockerfiles, "no Lambda Dockerfile found"
    report = run_checkov(*dockerfiles, framework="dockerfile")
    failed = [f"{c['check_id']} {c['file_path']}" for c in report["results"]["failed_checks"]]
    assert not failed, f"checkov findings: {failed}"
    assert report["summary"]["passed"] > 0
    for skipped in report["results"]["skipped_checks"]:
        reason = skipped["check_result"]["suppress_comment"]
        assert len(reason) > 40, f"{skipped['check_id']} lacks a reason"
