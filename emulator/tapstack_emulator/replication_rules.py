"""Reading an S3 replication configuration: which enabled rules replicate a key, its delete
markers and its SSE-KMS versions."""

from typing import Any


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _enabled(element: Any) -> bool:
    return isinstance(element, dict) and element.get("Status") == "Enabled"


def _tag_filters(element: dict[str, Any]) -> dict[str, str]:
    """Tag conditions of a filter, in the API's (Tag) or CloudFormation's (TagFilter) shape."""
    tags = [
        tag
        for name in ("Tag", "Tags", "TagFilter", "TagFilters")
        for tag in _as_list(element.get(name))
    ]
    return {tag["Key"]: tag.get("Value") or "" for tag in tags}


def selects(rule: dict[str, Any], key_name: str, tags: dict[str, str]) -> bool:
    """True when the rule's filter (or V1 Prefix) selects the key with these tags."""
    if "Filter" not in rule:
        return key_name.startswith(rule.get("Prefix") or "")
    element = rule["Filter"] or {}
    element = element.get("And") or element
    wanted = _tag_filters(element)
    prefix = element.get("Prefix") or ""
    return key_name.startswith(prefix) and all(tags.get(k) == v for k, v in wanted.items())


def replicates_delete_markers(rule: dict[str, Any]) -> bool:
    """V2 rules (with Filter) replicate delete markers only when told to; V1 rules always."""
    return "Filter" not in rule or _enabled(rule.get("DeleteMarkerReplication"))


def rules_for(replication: dict[str, Any], key_name: str, tags: dict[str, str]) -> list[dict]:
    """The enabled rules that replicate the key: the highest Priority for each destination."""
    matching = [
        rule
        for rule in replication["Rule"]
        if rule.get("Status") == "Enabled" and selects(rule, key_name, tags)
    ]
    by_destination: dict[str, dict] = {}
    for rule in sorted(matching, key=lambda r: int(r.get("Priority") or 0)):
        by_destination[rule["Destination"]["Bucket"]] = rule
    return list(by_destination.values())


def selects_kms_objects(rule: dict[str, Any]) -> bool:
    """Whether the rule replicates SSE-KMS objects (SourceSelectionCriteria)."""
    criteria = rule.get("SourceSelectionCriteria") or {}
    return _enabled(criteria.get("SseKmsEncryptedObjects"))
