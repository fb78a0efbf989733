"""Every CloudFormation write call is journaled, as CloudTrail records them in AWS.

A write is any call that creates, changes or deletes a stack, change set, stack set or stack
instance, or a stack's policy. Each call is recorded when it arrives, whether it then succeeds
or fails, with the caller's ARN, the account and region it acts in, and the stack (or stack
set) it names: `GET /tapstack-emulator/cloudformation-journal?since=N` answers
`{"entries": [{"action", "account", "region", "stack", "caller"}, ...], "next": M}` from entry
N on, so a test can list what one command wrote, and where (the AssumeRole journal,
behaviours.assume_role_trust, lists the roles it assumed).
"""

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.cloudformation.responses import CloudFormationResponse
from moto.sts.models import sts_backends

# CloudFormationResponse method -> the API action it serves, and the parameter naming its target.
WRITES = {
    "create_stack": ("CreateStack", "StackName"),
    "update_stack": ("UpdateStack", "StackName"),
    "delete_stack": ("DeleteStack", "StackName"),
    "create_change_set": ("CreateChangeSet", "StackName"),
    "execute_change_set": ("ExecuteChangeSet", "StackName"),
    "delete_change_set": ("DeleteChangeSet", "StackName"),
    "set_stack_policy": ("SetStackPolicy", "StackName"),
    "create_stack_set": ("CreateStackSet", "StackSetName"),
    "update_stack_set": ("UpdateStackSet", "StackSetName"),
    "delete_stack_set": ("DeleteStackSet", "StackSetName"),
    "create_stack_instances": ("CreateStackInstances", "StackSetName"),
    "update_stack_instances": ("UpdateStackInstances", "StackSetName"),
    "delete_stack_instances": ("DeleteStackInstances", "StackSetName"),
    "stop_stack_set_operation": ("StopStackSetOperation", "StackSetName"),
}
_JOURNAL: list[dict[str, Any]] = []
_JOURNAL_LOCK = threading.Lock()


def journal(since: int = 0) -> dict[str, Any]:
    """The CloudFormation writes from entry `since` on, and the index of the next one."""
    with _JOURNAL_LOCK:
        return {"entries": [dict(entry) for entry in _JOURNAL[since:]], "next": len(_JOURNAL)}


def _caller(response: CloudFormationResponse) -> str:
    sts = sts_backends[response.current_account][response.partition]
    _, caller_arn, _ = sts.get_caller_identity(response.get_access_key(), response.region)
    return caller_arn


def _journaled(method: Callable[..., Any], action: str, target: str) -> Callable[..., Any]:
    @functools.wraps(method)
    def write(self: CloudFormationResponse) -> Any:
        entry = {
            "action": action,
            "account": self.current_account,
            "region": self.region,
            "stack": self._get_param(target) or "",
            "caller": _caller(self),
        }
        with _JOURNAL_LOCK:
            _JOURNAL.append(entry)
        return method(self)

    return write


def apply() -> None:
    """Wrap each write method (last, around every other behaviour's patch)."""
    for name, (action, target) in WRITES.items():
        setattr(
            CloudFormationResponse,
            name,
            _journaled(getattr(CloudFormationResponse, name), action, target),
        )
