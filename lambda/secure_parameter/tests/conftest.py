"""Fixtures of the secure_parameter tests: the handler module wired to a chosen SSM (the shared
`handler_module` and `load_event` fixtures are lambda/conftest.py's)."""

import pytest


@pytest.fixture
def handler_name() -> str:
    """The module lambda/conftest.py's `handler_module` loads."""
    return "tapstack_secure_parameter.handler"
