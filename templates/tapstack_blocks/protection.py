"""protect_data: the per-environment choice between destroyable and protected data.

Off (the default, config/{env}/config.yaml `protect_data: false`): every resource tears down
with its stack, as the test environments need. On: DeletionProtection on the Aurora clusters,
the global cluster and the DynamoDB table; `Retain` on the environment key, the master secret
and the log groups that hold audit data (RDS exports, VPC flow logs); the audit-log bucket's
Object Lock in compliance mode. docs/operations.md says when to turn it on and how to retire a
protected environment.
"""

from typing import Literal

from pydantic import StrictBool

# The sceptre_user_data field every affected template takes (a YAML bool, nothing else).
ProtectData = StrictBool


def kept_unless_destroyable(protect_data: bool) -> Literal["Retain", "Delete"]:
    """The DeletionPolicy/UpdateReplacePolicy of a resource `protect_data` keeps."""
    return "Retain" if protect_data else "Delete"


def object_lock_mode(protect_data: bool) -> Literal["COMPLIANCE", "GOVERNANCE"]:
    """Compliance mode (nobody, root included, can shorten it) when protected; governance mode
    (teardown may bypass it with s3:BypassGovernanceRetention) otherwise."""
    return "COMPLIANCE" if protect_data else "GOVERNANCE"
