"""checkov over rendered templates, run in its own environment (tools/scanners: checkov needs
jsonschema 4, Sceptre 4.7 pins 3.2)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

from tapstack_tools.paths import PROJECT_DIR
from tapstack_tools.rendered_templates import template_document

SCANNER_PROJECT = PROJECT_DIR / "tools" / "scanners"


def write_templates(rendered: dict[str, dict], folder: Path) -> None:
    for name, stack in rendered.items():
        document = template_document(stack["body"])
        (folder / f"{name.replace('/', '-')}.json").write_text(json.dumps(document, indent=1))


def run_checkov(*targets: Path, framework: str = "cloudformation") -> dict:
    """Run checkov in the scanner environment and return its report for one framework.

    Each target that is a directory is scanned whole (`--directory`), any other target as a
    single file (`--file`). `framework` is checkov's: "cloudformation" (the default, for
    rendered templates) or "dockerfile".
    """
    assert targets, "nothing to scan"
    uv = os.environ.get("UV") or shutil.which("uv")  # `uv run` exports UV
    assert uv, "uv is needed to run the scanner environment"
    arguments = [
        argument
        for target in targets
        for argument in ("--directory" if target.is_dir() else "--file", str(target))
    ]
    result = subprocess.run(  # noqa: S603 - fixed argv
        [
            uv,
            "run",
            "--frozen",
            "--quiet",
            "--project",
            str(SCANNER_PROJECT),
            "checkov",
            *arguments,
            "--framework",
            framework,
            "--skip-download",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.stdout.strip(), result.stderr[-2000:]
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report
