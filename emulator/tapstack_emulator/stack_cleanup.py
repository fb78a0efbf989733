"""Work CloudFormation defers to the cleanup phase of a stack update.

A custom resource whose Update returns a new physical id is a replacement: CloudFormation sends
the Delete for the old one only after the whole update succeeded
(UPDATE_COMPLETE_CLEANUP_IN_PROGRESS), and never if the update rolls back.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)
_pending: dict[str, list[Callable[[], None]]] = {}


def defer(stack_id: str, cleanup: Callable[[], None]) -> None:
    """Run `cleanup` when the stack's current update completes."""
    _pending.setdefault(stack_id, []).append(cleanup)


def run(stack_id: str) -> list[str]:
    """Run the stack's deferred cleanups; return the reasons of those that failed."""
    failures = []
    for cleanup in _pending.pop(stack_id, []):
        try:
            cleanup()
        except Exception as err:  # a failed cleanup does not fail the update, as in AWS
            logger.warning("cleanup after update of %s failed: %s", stack_id, err)
            failures.append(str(err))
    return failures


def discard(stack_id: str) -> None:
    """Forget the stack's deferred cleanups (its update rolled back)."""
    _pending.pop(stack_id, None)
