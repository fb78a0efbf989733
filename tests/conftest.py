"""Session fixtures for the project tests: rendered templates of every stack."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from rendered_templates import render_all, template_document


@pytest.fixture(scope="session")
def rendered() -> dict[str, dict]:
    """Every stack of every group, rendered by Sceptre: {name: {region, body}}."""
    return render_all()


@pytest.fixture(scope="session")
def documents(rendered: dict[str, dict]) -> dict[str, dict]:
    """Every rendered template as a dict."""
    return {name: template_document(stack["body"]) for name, stack in rendered.items()}
