-- Production data: accounts and their transactions. Never on the sync allowlist; production
-- rows never leave production. Foreign keys point at the reference tables.

CREATE TABLE accounts (
    id                BIGINT UNSIGNED  NOT NULL AUTO_INCREMENT,
    external_id       CHAR(36)         NOT NULL COMMENT 'UUID shown to the merchant',
    legal_name        VARCHAR(255)     NOT NULL,
    mcc               CHAR(4)          NOT NULL,
    default_currency  CHAR(3)          NOT NULL,
    status            ENUM('pending', 'active', 'suspended', 'closed') NOT NULL
                                       DEFAULT 'pending',
    created_at        DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at        DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
                                       ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uq_accounts_external_id (external_id),
    KEY ix_accounts_mcc (mcc),
    KEY ix_accounts_default_currency (default_currency),
    CONSTRAINT fk_accounts_mcc FOREIGN KEY (mcc) REFERENCES merchant_categories (mcc),
    CONSTRAINT fk_accounts_currency FOREIGN KEY (default_currency) REFERENCES currencies (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE transactions (
    id               BIGINT UNSIGNED  NOT NULL AUTO_INCREMENT,
    account_id       BIGINT UNSIGNED  NOT NULL,
    idempotency_key  VARCHAR(64)      NOT NULL,
    kind             ENUM('authorization', 'capture', 'refund', 'chargeback') NOT NULL,
    status           ENUM('pending', 'settled', 'failed', 'reversed') NOT NULL
                                      DEFAULT 'pending',
    amount           DECIMAL(19, 4)   NOT NULL,
    currency_code    CHAR(3)          NOT NULL,
    fee_amount       DECIMAL(19, 4)   NOT NULL DEFAULT 0.0000,
    occurred_at      DATETIME(6)      NOT NULL,
    created_at       DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uq_transactions_idempotency (account_id, idempotency_key),
    KEY ix_transactions_account_occurred (account_id, occurred_at),
    KEY ix_transactions_currency (currency_code),
    CONSTRAINT fk_transactions_account FOREIGN KEY (account_id) REFERENCES accounts (id),
    CONSTRAINT fk_transactions_currency FOREIGN KEY (currency_code) REFERENCES currencies (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
