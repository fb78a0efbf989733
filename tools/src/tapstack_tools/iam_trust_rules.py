"""The IAM rules of the reachability proof: trust policies and sts:AssumeRole grants between
prod and staging/dev."""

import re
from typing import Any

from tapstack_tools.identity_plane import policy_violations, trusts_another_deployer
from tapstack_tools.managed_policies import customer_managed
from tapstack_tools.reachability_inputs import (
    ACCEPTER_ROLE,
    SYNC_ROLE,
    Facts,
    StackInput,
    Unknown,
)
from tapstack_tools.template_evaluator import Evaluator


def _statements(policy: Any) -> list[dict]:
    if not isinstance(policy, dict):
        return []
    statements = policy.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _account_of(principal: Any) -> str | None:
    if isinstance(principal, Unknown) or not isinstance(principal, str):
        return None
    if re.fullmatch(r"\d{12}", principal):
        return principal
    parts = principal.split(":")
    return parts[4] if len(parts) > 4 else None


def iam_violations(stack: StackInput, facts: Facts) -> list[str]:
    """IAM that would let staging/dev assume a prod role, or admit prod other than by design."""
    prod_account = facts.accounts["prod"]
    others = {facts.accounts[env] for env in facts.accounts if env != "prod"}
    found = []
    resources = Evaluator(stack, facts).resources()
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        props, where = resource["Properties"], f"{stack.name}:{logical_id}"
        for statement in _statements(props.get("AssumeRolePolicyDocument")):
            if statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal")
            aws = [] if not isinstance(principal, dict) else _as_list(principal.get("AWS", []))
            if principal == "*" or "*" in aws:
                found.append(f"{where}: trust policy admits any principal")
            for entry in aws:
                account = _account_of(entry)
                if account is None:
                    found.append(f"{where}: trust policy admits an unknown principal {entry}")
                elif stack.environment == "prod" and account in others:
                    found.append(f"{where}: prod role trusts {entry} (staging/dev)")
                elif stack.environment == "prod" and trusts_another_deployer(
                    entry, facts.deployers
                ):
                    found.append(
                        f"{where}: prod role trusts {entry}, "
                        f"{trusts_another_deployer(entry, facts.deployers)}'s deployer"
                    )
                elif stack.environment != "prod" and account == prod_account:
                    external_id = (
                        statement.get("Condition", {}).get("StringEquals", {}).get("sts:ExternalId")
                    )
                    is_sync = entry == f"arn:aws:iam::{prod_account}:role/{SYNC_ROLE}"
                    if is_sync and external_id:
                        continue
                    # prod's deployer may accept prod's peering here, through the accepter role
                    accepter = str(props.get("RoleName", "")).startswith(ACCEPTER_ROLE)
                    if accepter and entry == facts.deployers.get("prod"):
                        continue
                    found.append(
                        f"{where}: trusts prod principal {entry} (only {SYNC_ROLE} with an "
                        "ExternalId may)"
                    )
        if stack.environment == "prod":
            continue
        local = customer_managed(resources, facts.accounts[stack.environment])
        found += policy_violations(where, props, prod_account, local)
        for policy in props.get("Policies", []):
            for statement in _statements(policy.get("PolicyDocument")):
                actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
                assumes = any(a in ("*", "sts:*", "sts:assumerole") for a in actions)
                if statement.get("Effect") != "Allow" or not assumes:
                    continue
                for target in _as_list(statement.get("Resource", [])):
                    account = _account_of(target)
                    if target == "*" or account in (None, prod_account, "*"):
                        found.append(f"{where}: may assume {target} (prod's roles)")
    return found
