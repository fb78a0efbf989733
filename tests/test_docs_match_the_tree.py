"""The documents that describe the tree agree with it: the layout blocks of docs/architecture.md
and the README name every folder there is (and only those), docs/architecture.md section 5 names
every hook, resolver and template handler the distributions register (and only those), and
docs/decisions/README.md lists every decision file (and only those).

Adding a folder, a Lambda function, a hook or a resolver without its line fails here."""

import re
import subprocess
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from tapstack_tools.paths import PROJECT_DIR

ARCHITECTURE = PROJECT_DIR / "docs" / "architecture.md"
README = PROJECT_DIR / "README.md"
DECISIONS = PROJECT_DIR / "docs" / "decisions"
DISTRIBUTIONS = ("pyproject.toml", "hooks/pyproject.toml", "resolvers/pyproject.toml")
PLUGIN_GROUPS = ("sceptre.hooks", "sceptre.resolvers", "sceptre.template_handlers")
# Folders whose children the architecture's layout lists one by one.
LISTED_CHILDREN = ("lambda", "tools", "packages")


def tracked_folders() -> set[str]:
    """Every folder holding a tracked file, as `a/b` paths."""
    files = subprocess.run(
        ["git", "ls-files"],  # noqa: S607
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return {str(parent) for name in files for parent in Path(name).parents if str(parent) != "."}


def layout_block(text: str, heading: str) -> str:
    """The first fenced block after `heading`."""
    after = text[text.index(heading) :]
    return re.search(r"```\n(.*?)```", after, re.S).group(1)


def listed_folders(block: str) -> set[str]:
    """`a/` at the start of a line, and `  b/` under it, as `a` and `a/b`."""
    found, parent = set(), ""
    for line in block.splitlines():
        match = re.match(r"^( *)([\w.-]+)/(\s|$)", line)
        if not match:
            continue
        if not match.group(1):
            parent = match.group(2)
            found.add(parent)
        elif len(match.group(1)) == 2:
            found.add(f"{parent}/{match.group(2)}")
    return found


def layout_problems(block: str, folders: set[str]) -> list[str]:
    """What the layout block and the tree disagree on."""
    top = {folder for folder in folders if "/" not in folder and folder != ".github"}
    children = {
        folder
        for folder in folders
        if folder.count("/") == 1 and folder.split("/")[0] in LISTED_CHILDREN
    }
    children -= {f"tools/{name}" for name in ("src",)}
    listed = listed_folders(block)
    return [f"not listed: {name}/" for name in sorted((top | children) - listed)] + [
        f"listed but not in the tree: {name}/" for name in sorted(listed - folders)
    ]


def test_the_architecture_layout_names_every_folder_and_no_other():
    block = layout_block(ARCHITECTURE.read_text(), "## 1. Layout")
    assert layout_problems(block, tracked_folders()) == []


def test_the_readme_layout_names_every_top_level_folder_and_lambda_function():
    block = layout_block(README.read_text(), "## Layout")
    folders = tracked_folders()
    top = {f for f in folders if "/" not in f and not f.startswith(".")}
    listed = {name.split("/")[0] for name in listed_folders(block)}
    assert sorted(top - listed) == [], "top-level folders missing from the README's layout"
    assert sorted(listed - top) == [], "the README's layout names folders that do not exist"
    lambdas = {f.split("/")[1] for f in folders if f.count("/") == 1 and f.startswith("lambda/")}
    assert sorted(name for name in lambdas if name not in block) == []


def registered_plugins() -> dict[str, set[str]]:
    """{entry-point group: names} over the project's distributions."""
    found: dict[str, set[str]] = {group: set() for group in PLUGIN_GROUPS}
    for path in DISTRIBUTIONS:
        project = tomllib.loads((PROJECT_DIR / path).read_text())["project"]
        for group, entries in project.get("entry-points", {}).items():
            if group in found:
                found[group] |= set(entries)
    return found


def installed_tags() -> set[str]:
    """Every hook and resolver tag installed here (ours and Sceptre's own, e.g. !stack_output)."""
    return {point.name for group in PLUGIN_GROUPS[:2] for point in entry_points(group=group)}


def plugin_problems(section: str, plugins: dict[str, set[str]], installed: set[str]) -> list[str]:
    """Tags and handlers section 5 and the entry points disagree on."""
    tags = plugins["sceptre.hooks"] | plugins["sceptre.resolvers"]
    named = set(re.findall(r"`!(\w+)", section))
    problems = [f"not described: !{name}" for name in sorted(tags - named)]
    problems += [f"named but no such tag: !{name}" for name in sorted(named - tags - installed)]
    problems += [
        f"template handler not described: {name}"
        for name in sorted(plugins["sceptre.template_handlers"])
        if f"`{name}`" not in section
    ]
    return problems


def architecture_section(number: int) -> str:
    text = ARCHITECTURE.read_text()
    start = text.index(f"\n## {number}. ")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_section_5_describes_every_registered_hook_resolver_and_handler():
    assert plugin_problems(architecture_section(5), registered_plugins(), installed_tags()) == []


def test_the_checks_fail_on_a_missing_folder_line_and_an_undescribed_tag():
    block = layout_block(ARCHITECTURE.read_text(), "## 1. Layout")
    folders = tracked_folders() | {"lambda/new_function"}
    assert "not listed: lambda/new_function/" in layout_problems(block, folders)
    plugins = registered_plugins()
    plugins["sceptre.hooks"] = plugins["sceptre.hooks"] | {"new_hook"}
    problems = plugin_problems(architecture_section(5) + " `!gone`", plugins, installed_tags())
    assert "not described: !new_hook" in problems
    assert "named but no such tag: !gone" in problems


def decision_problems(index: str, files: list[str]) -> list[str]:
    """Decision files and index links that disagree, and gaps in the numbering."""
    linked = re.findall(r"\]\((\d{4}-[\w-]+\.md)\)", index)
    problems = [f"not in the index: {name}" for name in sorted(set(files) - set(linked))]
    problems += [f"index links a missing file: {name}" for name in sorted(set(linked) - set(files))]
    numbers = sorted(int(name[:4]) for name in files)
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"numbering has gaps or repeats: {numbers}")
    return problems


def test_the_decisions_index_lists_every_decision_file():
    files = sorted(path.name for path in DECISIONS.glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert files, "no decision files"
    assert decision_problems((DECISIONS / "README.md").read_text(), files) == []


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        pytest.param(["0001-a.md", "0002-b.md"], "not in the index: 0002-b.md", id="unlisted"),
        pytest.param([], "index links a missing file: 0001-a.md", id="missing"),
        pytest.param(["0001-a.md", "0003-c.md"], "numbering has gaps", id="gap"),
    ],
)
def test_the_decisions_check_can_fail(files, problem):
    problems = decision_problems("- [0001. A](0001-a.md)\n", files)
    assert any(found.startswith(problem) for found in problems), problems
