"""The YAML examples of a plugin README as scratch Sceptre projects, to run `sceptre generate` on
them exactly as written.

A README's ```yaml block is one example. Lines `# config/<path>.yaml` split it into files; text
before the first such line is the stack `config/dev/us-east-1/example.yaml`. What an example
leaves out is filled in, never changed: a `config/config.yaml` (project_code, region, accounts
map, deploy_role_name) when it has none, `template: {path: stub.json}` for a stack without a
template, a stub stack for each `!stack_output` it reads, and a stub for each template file it
names.
"""

import re
from dataclasses import dataclass
from pathlib import Path

BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
FILE_MARKER = re.compile(r"^# (config/\S+\.yaml)(?:\s.*)?$")
STACK_OUTPUT = re.compile(r"!stack_output\s+[\"']?([^\"':\s]+)::")
TEMPLATE_FILE = re.compile(r"^\s*path:\s*([\w./-]+\.(?:py|json|yaml))\s*(?:#.*)?$", re.MULTILINE)
DEFAULT_STACK = "config/dev/us-east-1/example.yaml"
DEFAULT_CONFIG = """\
project_code: example
region: us-east-1
deploy_role_name: example-deploy
accounts:
  dev: "111111111111"
  staging: "222222222222"
  prod: "333333333333"
"""
STUB_JSON = '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}\n'
STUB_PY = f"def sceptre_handler(sceptre_user_data):\n    return {STUB_JSON.strip()!r}\n"


@dataclass(frozen=True)
class Example:
    """One YAML block of a README: where it starts and its text."""

    readme: Path
    line: int
    text: str

    @property
    def name(self) -> str:
        return f"{self.readme.parent.name}/{self.readme.name}:{self.line}"


def examples(readme: Path) -> list[Example]:
    """Every ```yaml block of the README, in order."""
    text = readme.read_text(encoding="utf-8")
    return [
        Example(readme, text.count("\n", 0, match.start()) + 1, match.group(1))
        for match in BLOCK.finditer(text)
    ]


def files_of(example: Example) -> dict[str, str]:
    """`{relative path: text}` of the scratch project an example is."""
    files: dict[str, list[str]] = {DEFAULT_STACK: []}
    current = DEFAULT_STACK
    for line in example.text.splitlines():
        marker = FILE_MARKER.match(line)
        if marker:
            current = marker.group(1)
            files.setdefault(current, [])
        else:
            files[current].append(line)
    project = {path: "\n".join(lines).strip() + "\n" for path, lines in files.items()}
    if not project[DEFAULT_STACK].strip():
        del project[DEFAULT_STACK]
    project.setdefault("config/config.yaml", DEFAULT_CONFIG)
    for path, text in list(project.items()):
        if Path(path).name != "config.yaml" and not re.search(r"^template:", text, re.M):
            project[path] = text + "template:\n  path: stub.json\n"
    for path, text in list(project.items()):
        group = str(Path(path).parent.relative_to("config"))
        for target in STACK_OUTPUT.findall(text.replace("{{ stack_group_path }}", group)):
            project.setdefault(f"config/{target}", "template:\n  path: stub.json\n")
    for name in {"stub.json", *TEMPLATE_FILE.findall("\n".join(project.values()))}:
        project.setdefault(f"templates/{name}", STUB_PY if name.endswith(".py") else STUB_JSON)
    return project


def stacks_of(project: dict[str, str]) -> list[str]:
    """The stack paths of a project, as `sceptre generate` takes them."""
    return sorted(
        path.removeprefix("config/")
        for path in project
        if path.startswith("config/") and Path(path).name != "config.yaml"
    )
