"""Session state in DynamoDB: per session, how many transactions were validated and
rejected, and the last outcome. Items expire through the table's TTL attribute."""

import time
from decimal import Decimal

from tapstack_validator.transaction import Transaction
from tapstack_validator.validation import Outcome

#: the table's TTL attribute (templates/compute.py enables TTL on it)
EXPIRES_AT = "expires_at"
DEFAULT_TTL_SECONDS = 24 * 60 * 60


class SessionStore:
    """Writes to the sessions table (partition key `session_id`)."""

    def __init__(self, table, ttl_seconds: int = DEFAULT_TTL_SECONDS, clock=time.time) -> None:
        self._table = table
        self._ttl_seconds = ttl_seconds
        self._clock = clock

    def record(self, transaction: Transaction, outcome: Outcome) -> dict:
        """Count the validation in the session and keep its outcome; the session's new state."""
        now = int(self._clock())
        response = self._table.update_item(
            Key={"session_id": transaction.session_id},
            UpdateExpression=(
                "SET updated_at = :now, #expires = :expires, last_transaction_id = :tx, "
                "last_outcome = :outcome, last_problems = :problems "
                "ADD validated :one, rejected :rejected"
            ),
            ExpressionAttributeNames={"#expires": EXPIRES_AT},
            ExpressionAttributeValues={
                ":now": now,
                ":expires": now + self._ttl_seconds,
                ":tx": transaction.transaction_id,
                ":outcome": "valid" if outcome.valid else "invalid",
                ":problems": outcome.problems,
                ":one": 1,
                ":rejected": 0 if outcome.valid else 1,
            },
            ReturnValues="ALL_NEW",
        )
        return _plain(response["Attributes"])


def _plain(item: dict) -> dict:
    """DynamoDB numbers come back as Decimal; whole numbers become int."""
    return {
        key: int(value) if isinstance(value, Decimal) and value == value.to_integral() else value
        for key, value in item.items()
    }
