-- Reference data: small tables owned by prod and copied to staging and dev by the sync
-- (they are on the sync allowlist in config/). Every table has a primary key, the sync
-- refuses tables without one. Money is DECIMAL, never FLOAT; timestamps are DATETIME(6) in UTC.

CREATE TABLE currencies (
    code            CHAR(3)          NOT NULL COMMENT 'ISO 4217 alphabetic code',
    numeric_code    SMALLINT UNSIGNED NOT NULL COMMENT 'ISO 4217 numeric code',
    name            VARCHAR(64)      NOT NULL,
    symbol          VARCHAR(8)       NULL,
    minor_units     TINYINT UNSIGNED NOT NULL COMMENT 'digits after the decimal point',
    is_active       BOOLEAN          NOT NULL DEFAULT TRUE,
    updated_at      DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
                                     ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (code),
    UNIQUE KEY uq_currencies_numeric_code (numeric_code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE merchant_categories (
    mcc             CHAR(4)          NOT NULL COMMENT 'ISO 18245 merchant category code',
    description     VARCHAR(255)     NOT NULL,
    category_group  VARCHAR(64)      NOT NULL,
    risk_level      ENUM('low', 'medium', 'high') NOT NULL DEFAULT 'low',
    updated_at      DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
                                     ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (mcc)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One fee schedule per merchant category, currency and start date: the key is composite.
CREATE TABLE fee_schedules (
    mcc             CHAR(4)          NOT NULL,
    currency_code   CHAR(3)          NOT NULL,
    effective_from  DATETIME(6)      NOT NULL,
    effective_to    DATETIME(6)      NULL COMMENT 'NULL: open ended',
    percentage_fee  DECIMAL(7, 4)    NOT NULL COMMENT 'percent of the amount, e.g. 2.9000',
    fixed_fee       DECIMAL(19, 4)   NOT NULL DEFAULT 0.0000,
    minimum_fee     DECIMAL(19, 4)   NULL,
    maximum_fee     DECIMAL(19, 4)   NULL,
    notes           VARCHAR(500)     NULL,
    updated_at      DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
                                     ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (mcc, currency_code, effective_from),
    KEY ix_fee_schedules_currency (currency_code),
    CONSTRAINT fk_fee_schedules_mcc FOREIGN KEY (mcc)
        REFERENCES merchant_categories (mcc),
    CONSTRAINT fk_fee_schedules_currency FOREIGN KEY (currency_code)
        REFERENCES currencies (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
