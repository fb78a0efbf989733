"""The documents of the managed policies a role attaches: AWS-managed ones from a pinned copy
(aws_managed_policies/), customer-managed ones from the template that defines them.

The copies come from moto 5.2.5's `moto/iam/aws_managed_policies.py`, itself a copy of AWS's
published documents (version ids recorded in each file). Refresh them when AWS publishes a new
version; a template that attaches a managed policy without a pinned copy, or a customer-managed
policy its own template does not define, is refused by `document()`, so the identity checks
never skip one silently.
"""

import json
from collections.abc import Mapping
from pathlib import Path

PINNED = Path(__file__).with_name("aws_managed_policies")


class UnknownManagedPolicyError(LookupError):
    """An AWS-managed policy without a pinned copy, or a customer-managed one not defined by
    the template."""


def customer_managed(resources: Mapping[str, dict], account: str) -> dict[str, dict]:
    """{ARN: document} of the AWS::IAM::ManagedPolicy resources of a template (evaluated, as
    reachability.Evaluator.resources() gives them; a policy without a known name is left out)."""
    return {
        f"arn:aws:iam::{account}:policy/{resource['Properties']['ManagedPolicyName']}": resource[
            "Properties"
        ]["PolicyDocument"]
        for resource in resources.values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
        and isinstance(resource["Properties"].get("ManagedPolicyName"), str)
    }


def document(arn: str, local: Mapping[str, dict] | None = None) -> dict:
    """The document of `arn`: a customer-managed policy in `local` (`customer_managed`), or the
    pinned copy of `arn:aws:iam::aws:policy/[path/]NAME`."""
    if local and arn in local:
        return local[arn]
    prefix = "arn:aws:iam::aws:policy/"
    if not arn.startswith(prefix):
        raise UnknownManagedPolicyError(
            f"{arn} is neither an AWS-managed policy nor one this template defines"
        )
    path = PINNED / f"{arn.rsplit('/', 1)[1]}.json"
    if not path.is_file():
        raise UnknownManagedPolicyError(f"no pinned copy of {arn} in {PINNED.name}/")
    return json.loads(path.read_text(encoding="utf-8"))["Document"]
