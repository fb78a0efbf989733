-- What each table holds, written into the schema itself: the sync's second barrier beside the
-- allowlist in config/. The sync copies a table out of prod only when prod's own database
-- classifies it 'reference' here, and the migrator refuses a sync allowlist that names any
-- other table (so no grant is made for it). A table missing from this list counts as
-- production data: classify every new table in the migration that creates it.

CREATE TABLE tapstack_table_class (
    table_name  VARCHAR(64)                         NOT NULL,
    class       ENUM('reference', 'production')     NOT NULL,
    PRIMARY KEY (table_name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

INSERT INTO tapstack_table_class (table_name, class) VALUES
    ('currencies', 'reference'),
    ('merchant_categories', 'reference'),
    ('fee_schedules', 'reference'),
    ('accounts', 'production'),
    ('transactions', 'production');
