"""Where a hook sits in its stack's `hooks`, and the refusal of a place it does not belong.

Sceptre tells a hook nothing about the hook point it is under. But the stack's `config` holds the
very `hooks` mapping Sceptre sets the hooks up from, and Sceptre calls `setup()` a second time
once the clone has replaced the original there (the first call, inside `clone_for_stack`, comes
before). So `setup()` finds itself and a misplaced hook fails when Sceptre builds its plan
(`sceptre generate` shows it), before any stack is touched; `run()` looks again, in
`stack.hooks`, before doing anything, for hooks set up some other way. A tag written straight
under a hook point, not as a list item, is never run by Sceptre: it is refused too.
"""

from collections.abc import Iterable
from typing import Any

from sceptre.exceptions import SceptreException
from sceptre.hooks import Hook


class HookPlacementError(SceptreException):
    """A hook is under a hook point it does not belong to, or not in a list."""


def placement(hook: Hook, mappings: Iterable[Any]) -> tuple[str, bool] | None:
    """(hook point, in a list) of this very hook instance in the first mapping holding it."""
    for hooks in mappings:
        if not isinstance(hooks, dict):
            continue
        for point, value in hooks.items():
            if value is hook:
                return str(point), False
            if isinstance(value, list) and any(item is hook for item in value):
                return str(point), True
    return None


def check_placement(hook: Hook, tag: str, allowed: Iterable[str], *, running: bool) -> str | None:
    """The hook point this hook is under, refused unless it is one of `allowed`, in a list.

    At setup (`running=False`) a hook not found yet is left alone (it is checked when it runs);
    when running, not knowing where it is is a refusal too.
    """
    stack = hook.stack
    sources = [getattr(stack, "hooks", None)] if running else [(stack.config or {}).get("hooks")]
    found = placement(hook, sources)
    allowed = tuple(allowed)
    where = " or ".join(allowed)
    if found is None:
        if running:
            raise HookPlacementError(
                f"{stack.name}: !{tag} runs only under {where}, and it is not under any hook point "
                "of this stack; nothing was done"
            )
        return None
    point, listed = found
    if not listed:
        raise HookPlacementError(
            f"{stack.name}: !{tag} is written straight under `{point}`; Sceptre runs only the "
            f"items of a list there, so it would never run. Write it as a list item:\n"
            f"  {point}:\n    - !{tag} ..."
        )
    if point not in allowed:
        raise HookPlacementError(
            f"{stack.name}: !{tag} belongs under {where}, not under `{point}`"
            + ("; nothing was done" if running else "")
        )
    return point
