"""AWS-managed policy documents the project attaches, from a pinned copy (aws_managed_policies/).

The copies come from moto 5.2.5's `moto/iam/aws_managed_policies.py`, itself a copy of AWS's
published documents (version ids recorded in each file). Refresh them when AWS publishes a new
version; a template that attaches a managed policy without a pinned copy is refused by
`document()`, so the identity checks never skip one silently.
"""

import json
from pathlib import Path

PINNED = Path(__file__).with_name("aws_managed_policies")


class UnknownManagedPolicyError(LookupError):
    """An AWS-managed policy without a pinned copy."""


def document(arn: str) -> dict:
    """The pinned document of `arn:aws:iam::aws:policy/[path/]NAME`."""
    prefix = "arn:aws:iam::aws:policy/"
    if not arn.startswith(prefix):
        raise UnknownManagedPolicyError(f"{arn} is not an AWS-managed policy ARN")
    path = PINNED / f"{arn.rsplit('/', 1)[1]}.json"
    if not path.is_file():
        raise UnknownManagedPolicyError(f"no pinned copy of {arn} in {PINNED.name}/")
    return json.loads(path.read_text(encoding="utf-8"))["Document"]
