"""Fixtures of the hook tests: a hook placed under a hook point as Sceptre places it, and
Sceptre's polling sped up for launches on the local AWS."""

import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import sceptre.plan.actions
from sceptre.hooks import Hook
from tapstack_tools.sceptre_scratch import place_hook


@pytest.fixture
def place() -> Callable[..., Hook]:
    """`place(hook, point, plan=True, **stack arguments)`: see `place_hook`."""
    return place_hook


@pytest.fixture
def quick_polls(monkeypatch) -> None:
    """Sceptre polls a stack operation every 4 s, even one the local AWS has finished: here it
    polls every 0.1 s (only Sceptre's plan actions see this; nothing else changes)."""
    monkeypatch.setattr(
        sceptre.plan.actions, "time", SimpleNamespace(sleep=lambda _seconds: time.sleep(0.1))
    )
