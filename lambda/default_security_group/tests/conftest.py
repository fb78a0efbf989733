"""Fixtures of the default_security_group tests: the handler module wired to a chosen EC2."""

import copy
import importlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

EVENTS = Path(__file__).parent / "events"


@pytest.fixture
def load_event() -> Callable[[str], dict]:
    """A fresh copy of the JSON event fixture `name`."""
    return lambda name: copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text()))


@pytest.fixture
def handler_module(monkeypatch) -> Callable[[dict[str, str]], object]:
    """`load(env)`: the handler module imported afresh (module-scope client) under `env`."""

    def load(env: dict[str, str]) -> object:
        for name, value in {
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            **env,
        }.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(importlib.import_module("tapstack_default_security_group.handler"))

    return load
