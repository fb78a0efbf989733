"""A customer-managed KMS key with its alias: rotation on, a key policy of exact principals.

The environment key (kms stack) and each region's baseline key (StackSet) are this one shape;
only their names, policies and deletion windows differ.
"""

from dataclasses import dataclass
from typing import Literal

from awacs.aws import Policy
from troposphere import AWSHelperFn, Ref, Sub, Template
from troposphere.kms import Alias, Key

from tapstack_blocks.naming import resource_name
from tapstack_blocks.tags import name_tags


@dataclass(frozen=True)
class KeySpec:
    """What sets one key apart: its ids, names, policy and how it goes on delete."""

    logical_id: str
    resource: str  # `{resource}-{env}-{suffix}` in its Name tag
    alias: str  # `alias/{alias}-{env}`
    description: Sub
    policy: Policy
    pending_window_days: AWSHelperFn | int
    deletion_policy: Literal["Retain", "Delete"] = "Delete"


def add_customer_managed_key(
    template: Template, spec: KeySpec, environment: AWSHelperFn
) -> tuple[Key, Alias]:
    """Add the key (rotation on) and its alias `alias/{spec.alias}-{env}`; return both."""
    key = template.add_resource(
        Key(
            spec.logical_id,
            Description=spec.description,
            EnableKeyRotation=True,
            KeyPolicy=spec.policy,
            PendingWindowInDays=spec.pending_window_days,
            Tags=name_tags(resource_name(spec.resource)),
            DeletionPolicy=spec.deletion_policy,
            UpdateReplacePolicy=spec.deletion_policy,
        )
    )
    alias = template.add_resource(
        Alias(
            f"{spec.logical_id}Alias",
            AliasName=Sub(f"alias/{spec.alias}-${{Env}}", Env=environment),
            TargetKeyId=Ref(key),
        )
    )
    return key, alias
