"""The demo's check of the deployed validator, also used by the e2e test.

Per environment, one valid and one invalid transaction go to the deployed validator through
Lambda's Invoke API. The local AWS runs its image from its package (the image's CMD and ENV,
its own database user, TLS against the packaged RDS bundle, the environment's writer name
resolved in the function's VPC; docs/emulator.md), so a verdict proves the whole path: SSM
facts, secret, DNS, TLS, the reference tables the sync keeps, and the sessions table.
"""

import json
from dataclasses import dataclass

from tapstack_tools.aws_accounts import account_session
from tapstack_tools.deployment import group_state

ENVIRONMENTS = ("dev", "staging", "prod")
VALID = {
    "session_id": "demo-checkout",
    "transaction_id": "demo-valid",
    "amount": "100.00",
    "currency": "USD",
    "merchant_category": "5411",
    "occurred_at": "2026-03-01T12:00:00Z",
}
INVALID = {**VALID, "transaction_id": "demo-invalid", "currency": "XXX"}


@dataclass(frozen=True)
class Verdict:
    """The validator's answer to one transaction in one environment."""

    environment: str
    transaction_id: str
    valid: bool
    problems: list[str]
    fee: str | None


class ValidatorDemoError(RuntimeError):
    """The validator could not be invoked or answered with a function error."""


def validator_function(environment: str) -> str:
    """The validator's function name (the compute stack's output)."""
    (compute,) = [s for s in group_state(f"{environment}/us-east-1") if s.name.endswith("/compute")]
    return compute.outputs["ValidatorFunctionName"]


def judge(environment: str, transaction: dict) -> Verdict:
    """Invoke `environment`'s deployed validator with `transaction`."""
    function = validator_function(environment)
    answer = (
        account_session(environment)
        .client("lambda")
        .invoke(FunctionName=function, Payload=json.dumps(transaction).encode())
    )
    payload = json.loads(answer["Payload"].read())
    if "FunctionError" in answer:
        raise ValidatorDemoError(f"{function}: {payload.get('errorType')}: {payload}")
    return Verdict(
        environment,
        transaction["transaction_id"],
        bool(payload["valid"]),
        list(payload.get("problems") or []),
        payload.get("fee"),
    )


def verdicts(environments: tuple[str, ...] = ENVIRONMENTS) -> list[Verdict]:
    """A valid and an invalid transaction judged in each environment."""
    return [judge(env, transaction) for env in environments for transaction in (VALID, INVALID)]


def problems_of(found: list[Verdict]) -> list[str]:
    """What is wrong with the verdicts: a valid transaction refused, an invalid one accepted."""
    wrong = []
    for verdict in found:
        expected = verdict.transaction_id == VALID["transaction_id"]
        if verdict.valid != expected:
            wrong.append(
                f"{verdict.environment} judged {verdict.transaction_id} valid={verdict.valid}"
            )
    return wrong


def format_verdicts(found: list[Verdict]) -> str:
    """One row per verdict."""
    rows = [("environment", "transaction", "valid", "fee", "problems")]
    rows += [
        (v.environment, v.transaction_id, str(v.valid), v.fee or "-", "; ".join(v.problems) or "-")
        for v in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
    )


def demonstrate(echo=print) -> list[str]:
    """Judge both transactions everywhere, print the table; the problems found."""
    try:
        found = verdicts()
    except ValidatorDemoError as err:
        return [str(err)]
    echo("\nthe deployed validator, one valid and one invalid transaction per environment:")
    echo(format_verdicts(found))
    return problems_of(found)
