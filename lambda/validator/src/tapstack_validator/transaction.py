"""The payload the validator accepts, parsed once at the edge."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

MAX_AMOUNT = Decimal("999999999999999.9999")  # DECIMAL(19, 4), the transactions table's column


class Transaction(BaseModel):
    """One transaction to validate, within a client session."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    session_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,128}$")]
    transaction_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]
    amount: Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, max_digits=19, decimal_places=4)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    merchant_category: Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
    occurred_at: AwareDatetime

    @property
    def occurred_at_utc(self) -> datetime:
        """`occurred_at` in UTC without tzinfo, as the database stores DATETIME(6)."""
        return self.occurred_at.astimezone(UTC).replace(tzinfo=None)
