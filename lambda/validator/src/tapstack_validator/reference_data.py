"""Reads of the reference tables (migrations/V0001): currencies, merchant categories and
fee schedules. Read-only; one query per fact."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pymysql.connections import Connection


@dataclass(frozen=True)
class Currency:
    """A row of `currencies`."""

    code: str
    minor_units: int
    is_active: bool


@dataclass(frozen=True)
class FeeSchedule:
    """The fee terms of one row of `fee_schedules`."""

    percentage_fee: Decimal
    fixed_fee: Decimal
    minimum_fee: Decimal | None
    maximum_fee: Decimal | None


class ReferenceData:
    """Lookups on one open connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def currency(self, code: str) -> Currency | None:
        """The currency with ISO code `code`, or None."""
        row = self._one(
            "SELECT code, minor_units, is_active FROM currencies WHERE code = %s", (code,)
        )
        return Currency(row[0], int(row[1]), bool(row[2])) if row else None

    def merchant_category_exists(self, mcc: str) -> bool:
        """True when `mcc` is a known merchant category code."""
        return self._one("SELECT 1 FROM merchant_categories WHERE mcc = %s", (mcc,)) is not None

    def fee_schedule(self, mcc: str, currency: str, at: datetime) -> FeeSchedule | None:
        """The schedule in force for (`mcc`, `currency`) at `at` (UTC): the latest one that
        started at or before `at` and has not ended."""
        row = self._one(
            "SELECT percentage_fee, fixed_fee, minimum_fee, maximum_fee FROM fee_schedules "
            "WHERE mcc = %s AND currency_code = %s AND effective_from <= %s "
            "AND (effective_to IS NULL OR effective_to > %s) "
            "ORDER BY effective_from DESC LIMIT 1",
            (mcc, currency, at, at),
        )
        return FeeSchedule(*row) if row else None

    def _one(self, sql: str, arguments: tuple) -> tuple | None:
        with self._connection.cursor() as cursor:
            cursor.execute(sql, arguments)
            return cursor.fetchone()
