"""What each CloudFormation resource type needs from its caller: the handler permissions of AWS's
CloudFormation registry schemas, as the pinned cfn-lint ships them (uv.lock).

A registry schema lists, per handler (create, read, update, delete, list), the IAM actions the
handler calls with the stack operation's credentials: without a service role, the credentials of
whoever launches the stack. A few entries name no IAM action (API names such as
`s3:PutBucketReplication`, authorized as `s3:PutReplicationConfiguration`, which the same schema
lists too); `is_iam_action` tells them apart with the Service Authorization Reference cfn-lint
ships (its rule W3037 flags them in a policy). cfn-lint may prefer a newer download in its cache;
this module always reads the copy inside the installed package, so the answer changes only with
the pin.
"""

import json
from functools import cache
from pathlib import Path

import cfnlint
from cfnlint.version import __version__ as cfn_lint_version

SCHEMAS = Path(cfnlint.__file__).parent / "data" / "schemas"
SERVICE_AUTHORIZATION = Path(cfnlint.__file__).parent / "data" / "AdditionalSpecs" / "Policies.json"
HANDLERS = ("create", "read", "update", "delete", "list")


class UnknownResourceTypeError(LookupError):
    """A resource type without a registry schema, or whose schema states no handlers."""


def source() -> str:
    """Which schemas these are: the cfn-lint version and the schemas' date."""
    date = json.loads((SCHEMAS / "version.json").read_text(encoding="utf-8"))["schema_date"]
    return f"cfn-lint {cfn_lint_version}, registry schemas of {date}"


def normalized(action: str) -> str:
    """`CloudTrail:CreateTrail` -> `cloudtrail:CreateTrail` (IAM prefixes are case-insensitive;
    a few schemas capitalise theirs)."""
    prefix, _, name = action.partition(":")
    return f"{prefix.lower()}:{name}"


@cache
def _provider(region: str) -> dict[str, str]:
    return json.loads((SCHEMAS / "providers" / f"{region}.json").read_text(encoding="utf-8"))


@cache
def handler_permissions(resource_type: str, region: str) -> dict[str, tuple[str, ...]]:
    """{handler: sorted actions} of `resource_type` in `region`."""
    schema_id = _provider(region).get(resource_type)
    if schema_id is None:
        raise UnknownResourceTypeError(f"{resource_type} has no registry schema in {region}")
    schema = json.loads((SCHEMAS / "resources" / f"{schema_id}.json").read_text(encoding="utf-8"))
    handlers = schema.get("handlers") or {}
    if not handlers:
        raise UnknownResourceTypeError(f"{resource_type}'s registry schema states no handlers")
    return {
        handler: tuple(sorted({normalized(a) for a in handlers[handler].get("permissions", [])}))
        for handler in HANDLERS
        if handler in handlers
    }


@cache
def _iam_actions() -> dict[str, frozenset[str]]:
    services = json.loads(SERVICE_AUTHORIZATION.read_text(encoding="utf-8"))
    return {prefix: frozenset(spec["Actions"]) for prefix, spec in services.items()}


def is_iam_action(action: str) -> bool:
    """True when IAM authorizes calls under this name (case-insensitive, no wildcards)."""
    prefix, _, name = action.lower().partition(":")
    return name in _iam_actions().get(prefix, frozenset())
