"""The rules: known active currency, amount in that currency's minor units, known merchant
category, a fee schedule in force; and the fee it implies."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tapstack_validator.reference_data import FeeSchedule, ReferenceData
from tapstack_validator.transaction import Transaction

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Outcome:
    """What the validator decided about one transaction."""

    valid: bool
    problems: list[str] = field(default_factory=list)
    fee: Decimal | None = None


def fee_for(amount: Decimal, schedule: FeeSchedule, minor_units: int) -> Decimal:
    """Percentage plus fixed fee, clamped to the schedule's bounds, rounded half up to the
    currency's minor units."""
    fee = amount * schedule.percentage_fee / HUNDRED + schedule.fixed_fee
    if schedule.minimum_fee is not None:
        fee = max(fee, schedule.minimum_fee)
    if schedule.maximum_fee is not None:
        fee = min(fee, schedule.maximum_fee)
    return fee.quantize(Decimal(1).scaleb(-minor_units), rounding=ROUND_HALF_UP)


def validate(transaction: Transaction, reference: ReferenceData) -> Outcome:
    """Check `transaction` against the reference data; every problem found is listed."""
    problems = []
    currency = reference.currency(transaction.currency)
    if currency is None:
        problems.append(f"currency {transaction.currency} is unknown")
    elif not currency.is_active:
        problems.append(f"currency {transaction.currency} is not active")
    elif _decimal_places(transaction.amount) > currency.minor_units:
        problems.append(
            f"amount {transaction.amount} has more decimal places than "
            f"{currency.code} allows ({currency.minor_units})"
        )
    if not reference.merchant_category_exists(transaction.merchant_category):
        problems.append(f"merchant category {transaction.merchant_category} is unknown")
    if problems:
        return Outcome(valid=False, problems=problems)
    schedule = reference.fee_schedule(
        transaction.merchant_category, transaction.currency, transaction.occurred_at_utc
    )
    if schedule is None:
        return Outcome(
            valid=False,
            problems=[
                f"no fee schedule for merchant category {transaction.merchant_category} in "
                f"{transaction.currency} at {transaction.occurred_at.isoformat()}"
            ],
        )
    return Outcome(valid=True, fee=fee_for(transaction.amount, schedule, currency.minor_units))


def _decimal_places(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
