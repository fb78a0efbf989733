"""The demo's sync data: the targets, the production tables the sync must never touch, prod's
reference data and staging's drift."""

TARGETS = ("staging", "dev")
PRODUCTION_TABLES = ("accounts", "transactions")
# Demo reference data in prod: (table, columns, rows).
PROD_REFERENCE_DATA = (
    (
        "currencies",
        ("code", "numeric_code", "name", "symbol", "minor_units"),
        [
            ("USD", 840, "US Dollar", "$", 2),
            ("EUR", 978, "Euro", "€", 2),
            ("GBP", 826, "Pound Sterling", "£", 2),
            ("JPY", 392, "Yen", "¥", 0),
            ("CHF", 756, "Swiss Franc", None, 2),
        ],
    ),
    (
        "merchant_categories",
        ("mcc", "description", "category_group", "risk_level"),
        [
            ("5411", "Grocery stores, supermarkets", "retail", "low"),
            ("5812", "Eating places, restaurants", "food", "low"),
            ("4111", "Local commuter transport", "transport", "medium"),
            ("7995", "Betting, casino gambling", "gaming", "high"),
        ],
    ),
    (
        "fee_schedules",
        ("mcc", "currency_code", "effective_from", "percentage_fee", "fixed_fee"),
        [
            ("5411", "USD", "2026-01-01 00:00:00.000000", "1.9000", "0.1000"),
            ("5411", "EUR", "2026-01-01 00:00:00.000000", "1.7500", "0.1000"),
            ("5812", "USD", "2026-01-01 00:00:00.000000", "2.4000", "0.1500"),
            ("4111", "GBP", "2026-03-01 00:00:00.000000", "1.2000", "0.0500"),
            ("7995", "EUR", "2026-01-01 00:00:00.000000", "3.9000", "0.3000"),
            ("7995", "JPY", "2026-06-01 00:00:00.000000", "3.9000", "30.0000"),
        ],
    ),
)
# Staging starts with drift the sync must repair: a stale name and a row prod does not have.
STAGING_DRIFT = (
    (
        "currencies",
        ("code", "numeric_code", "name", "symbol", "minor_units"),
        [
            ("EUR", 978, "Euro (old name)", "€", 2),
            ("XTS", 963, "Testing code", None, 2),
        ],
    ),
)
