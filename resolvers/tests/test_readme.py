"""resolvers/README.md as a user reads it: every YAML example is run through `sceptre generate` in a
scratch project exactly as written (tapstack_tools.readme_examples), and the install it gives works
today (the plugin matrix installs each way it names)."""

import re
from pathlib import Path

import pytest
from tapstack_tools.readme_examples import examples, files_of, stacks_of
from tapstack_tools.sceptre_scratch import sceptre, write_project

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("example", examples(README), ids=lambda example: example.name)
def test_each_yaml_example_generates_as_written(tmp_path, example):
    project = files_of(example)
    write_project(tmp_path, project)
    for stack in stacks_of(project):
        run = sceptre(tmp_path, "generate", stack)
        assert run.clean and run.exit_code == 0, f"{example.name}, {stack}:\n{run.output}"


def test_every_resolver_has_an_example():
    text = "\n".join(example.text for example in examples(README))
    for tag in (
        "account_role",
        "ecr_image_digest",
        "managed_prefix_list",
        "stack_output_cross_account",
        "ssm_parameter",
    ):
        assert f"!{tag}" in text, tag


def test_it_leads_with_another_teams_project():
    first = examples(README)[0].text
    assert "project_code: payments" in first and "accounts:" in first
    assert "!stack_output_cross_account" in first and "stack_name: tapstack-" in first


def test_no_example_uses_a_form_yaml_reads_otherwise():
    # Two tags on one node are invalid YAML; an unquoted 3.10 is the number 3.1.
    readme = README.read_text(encoding="utf-8")
    assert not re.search(r"!\w+ +!\w+", readme)
    assert not re.search(r"python: 3\.10\b", readme)


def test_install_gives_todays_ways_and_keeps_the_pypi_name():
    install = README.read_text(encoding="utf-8").split("## Install", 1)[1].split("\n## ", 1)[0]
    for way in (
        "pip install ./resolvers",
        "#subdirectory=resolvers",
        "make dist",
        "pip install dist/sceptre_tapstack_resolvers-",
        "pip install sceptre-tapstack-resolvers",
    ):
        assert way in install, way
