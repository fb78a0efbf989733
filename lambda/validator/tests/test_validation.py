"""The validation rules against the real schema on MariaDB (migrations/ applied)."""

from decimal import Decimal

import pytest
from tapstack_validator.reference_data import FeeSchedule, ReferenceData
from tapstack_validator.transaction import Transaction
from tapstack_validator.validation import fee_for, validate

pytestmark = pytest.mark.mariadb


def transaction(**changes) -> Transaction:
    fields = {
        "session_id": "s1",
        "transaction_id": "t1",
        "amount": "100.00",
        "currency": "USD",
        "merchant_category": "5411",
        "occurred_at": "2026-03-01T12:00:00Z",
        **changes,
    }
    return Transaction.model_validate(fields)


@pytest.mark.parametrize(
    ("changes", "fee"),
    [
        pytest.param({}, Decimal("3.20"), id="current-schedule"),  # 2.9% of 100 + 0.30
        pytest.param(
            {"occurred_at": "2025-06-01T00:00:00Z"}, Decimal("3.80"), id="ended-schedule-in-force"
        ),
        pytest.param(
            {"occurred_at": "2026-01-01T00:00:00Z"}, Decimal("3.20"), id="boundary-takes-new"
        ),
        pytest.param(
            {"occurred_at": "2026-01-01T01:00:00+02:00"},
            Decimal("3.80"),
            id="offset-converted-to-utc",
        ),
        pytest.param(
            {"currency": "JPY", "amount": "1001"}, Decimal("30"), id="zero-minor-units-rounds"
        ),
        pytest.param({"merchant_category": "7995", "amount": "1.00"}, Decimal("1.00"), id="min"),
        pytest.param(
            {"merchant_category": "7995", "amount": "5000.00"}, Decimal("50.00"), id="max"
        ),
    ],
)
def test_valid_transaction_gets_the_fee_of_the_schedule_in_force(
    reference_connection, changes, fee
):
    outcome = validate(transaction(**changes), ReferenceData(reference_connection))
    assert (outcome.valid, outcome.problems, outcome.fee) == (True, [], fee)


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        pytest.param({"currency": "XXX"}, ["currency XXX is unknown"], id="unknown-currency"),
        pytest.param({"currency": "DEM"}, ["currency DEM is not active"], id="inactive"),
        pytest.param(
            {"currency": "JPY", "amount": "10.5"},
            ["amount 10.5 has more decimal places than JPY allows (0)"],
            id="too-many-decimals",
        ),
        pytest.param(
            {"merchant_category": "0000"}, ["merchant category 0000 is unknown"], id="unknown-mcc"
        ),
        pytest.param(
            {"currency": "XXX", "merchant_category": "0000"},
            ["currency XXX is unknown", "merchant category 0000 is unknown"],
            id="every-problem-listed",
        ),
        pytest.param(
            {"occurred_at": "2024-12-31T23:59:59Z"},
            ["no fee schedule for merchant category 5411 in USD at 2024-12-31T23:59:59+00:00"],
            id="before-any-schedule",
        ),
        pytest.param(
            {"currency": "EUR"},
            ["no fee schedule for merchant category 5411 in EUR at 2026-03-01T12:00:00+00:00"],
            id="no-schedule-for-currency",
        ),
    ],
)
def test_invalid_transaction_lists_its_problems(reference_connection, changes, problems):
    outcome = validate(transaction(**changes), ReferenceData(reference_connection))
    assert (outcome.valid, outcome.problems, outcome.fee) == (False, problems, None)


def test_trailing_zeros_are_not_extra_decimal_places(reference_connection):
    outcome = validate(
        transaction(currency="JPY", amount="1000.0000"), ReferenceData(reference_connection)
    )
    assert outcome.valid, outcome.problems


def test_fee_rounds_half_up_to_minor_units():
    schedule = FeeSchedule(Decimal("2.5000"), Decimal("0"), None, None)
    assert fee_for(Decimal("0.10"), schedule, 2) == Decimal("0.00")  # 0.0025
    assert fee_for(Decimal("0.20"), schedule, 2) == Decimal("0.01")  # 0.005 rounds up
