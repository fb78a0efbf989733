"""Fixtures of the default_security_group tests: the handler module wired to a chosen EC2
(the shared `handler_module` and `load_event` fixtures are lambda/conftest.py's)."""

import pytest


@pytest.fixture
def handler_name() -> str:
    """The module lambda/conftest.py's `handler_module` loads."""
    return "tapstack_default_security_group.handler"
