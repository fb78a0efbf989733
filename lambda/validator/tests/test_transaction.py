"""The payload model refuses what cannot be a transaction, naming the field."""

import pytest
from pydantic import ValidationError
from tapstack_validator.transaction import Transaction

GOOD = {
    "session_id": "s1",
    "transaction_id": "t1",
    "amount": "12.50",
    "currency": "USD",
    "merchant_category": "5411",
    "occurred_at": "2026-03-01T12:00:00Z",
}


def test_a_good_payload_parses():
    parsed = Transaction.model_validate(GOOD)
    assert str(parsed.amount) == "12.50"
    assert parsed.occurred_at_utc.isoformat() == "2026-03-01T12:00:00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"amount": "0"}, "amount", id="zero-amount"),
        pytest.param({"amount": "-1"}, "amount", id="negative-amount"),
        pytest.param({"amount": "1.00001"}, "amount", id="five-decimals"),
        pytest.param({"amount": "NaN"}, "amount", id="nan"),
        pytest.param({"currency": "usd"}, "currency", id="lowercase-currency"),
        pytest.param({"merchant_category": "54A1"}, "merchant_category", id="mcc-letters"),
        pytest.param({"occurred_at": "2026-03-01T12:00:00"}, "occurred_at", id="naive-time"),
        pytest.param({"session_id": ""}, "session_id", id="empty-session"),
        pytest.param({"surprise": 1}, "surprise", id="unknown-field"),
    ],
)
def test_bad_payload_names_the_field(changes, field):
    with pytest.raises(ValidationError) as caught:
        Transaction.model_validate({**GOOD, **changes})
    assert [error["loc"][0] for error in caught.value.errors()] == [field]
