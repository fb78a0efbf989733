"""Benchmark: render and cfn-lint every stack of every group.

Side by side, in one run: what a user would type by hand (`sceptre generate` once per stack,
then the `cfn-lint` CLI on the files) and tapstack's in-process check (`make lint`: one Sceptre
plan renders everything, each distinct template is linted once by the cfn-lint API).
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tapstack_tools.rendered_templates import PROJECT_DIR, lint_all, render_all

BIN = Path(sys.executable).parent


def by_hand(stack_names: list[str]) -> tuple[float, float, int]:
    """`sceptre generate` per stack, then one `cfn-lint` run over all files."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        files = []
        for name in stack_names:
            out = Path(folder, name.replace("/", "-") + ".json")
            out.write_text(
                subprocess.run(  # noqa: S603 - fixed argv
                    [
                        str(BIN / "sceptre"),
                        "--ignore-dependencies",
                        "--output",
                        "json",
                        "generate",
                        f"{name}.yaml",
                    ],
                    cwd=PROJECT_DIR,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
            files.append(str(out))
        rendered = time.perf_counter()
        lint = subprocess.run(  # noqa: S603 - fixed argv
            [str(BIN / "cfn-lint"), "--include-checks", "I", "--", *files],
            capture_output=True,
            text=True,
            check=False,
        )
        finished = time.perf_counter()
    findings = len([line for line in lint.stdout.splitlines() if line[:1] in "EWI" and " " in line])
    return rendered - started, finished - rendered, findings


def in_process() -> tuple[float, float, int, list[str]]:
    """One Sceptre plan for the whole project, each distinct template linted once."""
    started = time.perf_counter()
    rendered = render_all()
    middle = time.perf_counter()
    findings = lint_all(rendered)
    finished = time.perf_counter()
    total = sum(len(found) for found in findings.values())
    return middle - started, finished - middle, total, sorted(rendered)


def main() -> None:
    """Print both figures as a table."""
    render_s, lint_s, findings, names = in_process()
    hand_render_s, hand_lint_s, hand_findings = by_hand(names)
    groups = ", ".join(sorted({name.rsplit("/", 1)[0] for name in names}))
    print(f"render + cfn-lint of {len(names)} stacks ({groups})")
    print(f"{'method':<44} {'render s':>9} {'lint s':>8} {'total s':>8} {'findings':>9}")
    rows = [
        ("sceptre generate per stack + cfn-lint CLI", hand_render_s, hand_lint_s, hand_findings),
        ("tapstack (make lint): one plan, cfn-lint API", render_s, lint_s, findings),
    ]
    for label, render, lint, found in rows:
        print(f"{label:<44} {render:>9.2f} {lint:>8.2f} {render + lint:>8.2f} {found:>9}")


if __name__ == "__main__":
    main()
