"""S3 server access logging accepts a target bucket whose policy has other statements too.

moto checks the target bucket's policy for the logging service's PutObject statement, but reads
every statement's Principal as a mapping and its Resource as a single string: a policy that
also holds a `"Principal": "*"` statement (the TLS-only Deny every tapstack bucket has) fails
with "'str' object has no attribute 'get'", and a Resource list is never matched. Here each
statement is read as IAM reads it.
"""

import json
from typing import Any

from moto.s3.models import FakeBucket
from moto.s3.utils import LOGGING_SERVICE_PRINCIPAL


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def log_permissions_enabled_policy(target_bucket: FakeBucket, target_prefix: str | None) -> bool:
    """Does the target bucket's policy let the logging service write the log objects?"""
    if not target_bucket.policy:
        return False
    arn = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}"
    accepted = {f"{arn}/{target_prefix or ''}*", f"{arn}/*", arn}
    for statement in _listed(json.loads(target_bucket.policy.decode())["Statement"]):
        principal = statement.get("Principal")
        services = _listed(principal.get("Service", [])) if isinstance(principal, dict) else []
        if statement.get("Effect") != "Allow" or LOGGING_SERVICE_PRINCIPAL not in services:
            continue
        if "s3:PutObject" in _listed(statement.get("Action", [])) and accepted & set(
            _listed(statement.get("Resource", []))
        ):
            return True
    return False


def apply() -> None:
    """Replace moto's target-bucket policy check."""
    FakeBucket._log_permissions_enabled_policy = staticmethod(log_permissions_enabled_policy)
