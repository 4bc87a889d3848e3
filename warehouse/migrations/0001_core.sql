-- Core tables: configuration, landing, canonical staging, QuickBooks mirror, outbox, sessions, audit.
-- Timestamps are UTC without time zone. Amounts are DECIMAL(18,2). {json} is JSON (DuckDB) / JSONB (PostgreSQL).

-- ---------------------------------------------------------------- configuration
CREATE TABLE IF NOT EXISTS companies (
    company             TEXT PRIMARY KEY,          -- one QuickBooks company file behind one Web Connector user
    qbwc_user           TEXT NOT NULL UNIQUE,
    password_hash       TEXT NOT NULL,             -- scrypt hash, never the password
    country             TEXT NOT NULL DEFAULT 'US',
    max_qbxml_version   TEXT NOT NULL DEFAULT '16.0',
    vendor_policy       TEXT NOT NULL DEFAULT 'create',  -- create | review
    sources             TEXT NOT NULL DEFAULT '',        -- replaced by company_sources (0600), dropped in 1400
    owner_id            TEXT NOT NULL,             -- GUID for the .QWC file, stable per company
    file_id             TEXT NOT NULL,             -- GUID for the .QWC file, stable per company
    created_at          TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS account_mappings (
    company             TEXT NOT NULL,
    source_system       TEXT NOT NULL,
    source_account_code TEXT NOT NULL,
    qb_account_name     TEXT NOT NULL,             -- QuickBooks account FullName
    PRIMARY KEY (company, source_system, source_account_code)
);

CREATE TABLE IF NOT EXISTS cost_centre_mappings (
    company             TEXT NOT NULL,
    source_system       TEXT NOT NULL,
    cost_centre         TEXT NOT NULL,
    qb_class_name       TEXT NOT NULL,             -- QuickBooks class FullName
    PRIMARY KEY (company, source_system, cost_centre)
);

CREATE TABLE IF NOT EXISTS watermarks (
    source_system       TEXT NOT NULL,
    entity              TEXT NOT NULL,
    watermark           TEXT NOT NULL,             -- ISO timestamp or source-specific cursor
    updated_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (source_system, entity)
);

-- ---------------------------------------------------------------- landing (raw payloads as fetched)
-- raw_<source>_<entity>, one per entity of every declared source: created from the registry (migrations.LANDING).

-- ---------------------------------------------------------------- canonical staging
CREATE TABLE IF NOT EXISTS stg_suppliers (
    source_system       TEXT NOT NULL,
    source_id           TEXT NOT NULL,
    supplier_number     TEXT,
    supplier_name       TEXT NOT NULL,
    tax_id              TEXT,
    email               TEXT,
    phone               TEXT,
    address_line1       TEXT,
    address_line2       TEXT,
    city                TEXT,
    state               TEXT,
    postal_code         TEXT,
    country             TEXT,
    currency            TEXT,
    is_active           BOOLEAN NOT NULL DEFAULT TRUE,
    source_updated_at   TIMESTAMP,
    staged_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (source_system, source_id)
);

CREATE TABLE IF NOT EXISTS stg_accounts (
    source_system       TEXT NOT NULL,
    source_id           TEXT NOT NULL,
    account_code        TEXT NOT NULL,
    account_name        TEXT,
    account_type        TEXT,
    is_active           BOOLEAN NOT NULL DEFAULT TRUE,
    source_updated_at   TIMESTAMP,
    staged_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (source_system, source_id)
);

CREATE TABLE IF NOT EXISTS stg_purchase_orders (
    source_system       TEXT NOT NULL,
    source_id           TEXT NOT NULL,
    po_number           TEXT NOT NULL,
    supplier_source_id  TEXT,
    status              TEXT,
    currency            TEXT,
    order_date          DATE,
    total_amount        DECIMAL(18,2),
    source_version      INTEGER NOT NULL DEFAULT 1,
    source_updated_at   TIMESTAMP,
    staged_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (source_system, source_id)
);

CREATE TABLE IF NOT EXISTS stg_po_lines (
    source_system       TEXT NOT NULL,
    po_source_id        TEXT NOT NULL,
    line_number         INTEGER NOT NULL,
    description         TEXT,
    quantity            DECIMAL(18,5),
    unit_price          DECIMAL(18,5),
    line_amount         DECIMAL(18,2),
    account_code        TEXT,
    cost_centre         TEXT,
    item_code           TEXT,
    PRIMARY KEY (source_system, po_source_id, line_number)
);

CREATE TABLE IF NOT EXISTS stg_invoices (
    source_system       TEXT NOT NULL,
    source_id           TEXT NOT NULL,
    invoice_number      TEXT NOT NULL,
    supplier_source_id  TEXT,
    po_source_id        TEXT,
    status              TEXT,
    currency            TEXT,
    invoice_date        DATE,
    due_date            DATE,
    total_amount        DECIMAL(18,2),
    source_version      INTEGER NOT NULL DEFAULT 1,
    source_updated_at   TIMESTAMP,
    staged_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (source_system, source_id)
);

CREATE TABLE IF NOT EXISTS stg_invoice_lines (
    source_system       TEXT NOT NULL,
    invoice_source_id   TEXT NOT NULL,
    line_number         INTEGER NOT NULL,
    description         TEXT,
    quantity            DECIMAL(18,5),
    unit_price          DECIMAL(18,5),
    line_amount         DECIMAL(18,2),
    account_code        TEXT,
    cost_centre         TEXT,
    po_number           TEXT,
    PRIMARY KEY (source_system, invoice_source_id, line_number)
);

CREATE TABLE IF NOT EXISTS stg_payments (
    source_system       TEXT NOT NULL,
    source_id           TEXT NOT NULL,
    supplier_source_id  TEXT,
    invoice_source_id   TEXT,
    payment_date        DATE,
    amount              DECIMAL(18,2),
    currency            TEXT,
    payment_method      TEXT,
    reference           TEXT,
    source_updated_at   TIMESTAMP,
    staged_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (source_system, source_id)
);

-- ---------------------------------------------------------------- QuickBooks mirror (from query/add responses)
CREATE TABLE IF NOT EXISTS qb_vendors (
    company             TEXT NOT NULL,
    list_id             TEXT NOT NULL,
    vendor_name         TEXT NOT NULL,
    company_name        TEXT,
    account_number      TEXT,
    address_line1       TEXT,
    city                TEXT,
    postal_code         TEXT,
    is_active           BOOLEAN,
    edit_sequence       TEXT,
    time_created        TIMESTAMP,
    time_modified       TIMESTAMP,
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, list_id)
);

CREATE TABLE IF NOT EXISTS qb_accounts (
    company             TEXT NOT NULL,
    list_id             TEXT NOT NULL,
    full_name           TEXT NOT NULL,
    account_type        TEXT,
    account_number      TEXT,
    is_active           BOOLEAN,
    edit_sequence       TEXT,
    time_modified       TIMESTAMP,
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, list_id)
);

CREATE TABLE IF NOT EXISTS qb_items (
    company             TEXT NOT NULL,
    list_id             TEXT NOT NULL,
    full_name           TEXT NOT NULL,
    item_type           TEXT,
    is_active           BOOLEAN,
    edit_sequence       TEXT,
    time_modified       TIMESTAMP,
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, list_id)
);

CREATE TABLE IF NOT EXISTS qb_bills (
    company             TEXT NOT NULL,
    txn_id              TEXT NOT NULL,
    ref_number          TEXT,
    vendor_list_id      TEXT,
    vendor_name         TEXT,
    txn_date            DATE,
    due_date            DATE,
    amount_due          DECIMAL(18,2),
    is_paid             BOOLEAN,
    memo                TEXT,
    edit_sequence       TEXT,
    time_created        TIMESTAMP,
    time_modified       TIMESTAMP,
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, txn_id)
);

CREATE TABLE IF NOT EXISTS qb_bill_payments (
    company             TEXT NOT NULL,
    txn_id              TEXT NOT NULL,
    payment_kind        TEXT NOT NULL,             -- check | credit_card
    payee_list_id       TEXT,
    payee_name          TEXT,
    txn_date            DATE,
    amount              DECIMAL(18,2),
    ref_number          TEXT,
    applied_to_txn_ids  TEXT,                      -- comma-separated bill TxnIDs
    edit_sequence       TEXT,
    time_modified       TIMESTAMP,
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, txn_id)
);

CREATE TABLE IF NOT EXISTS qb_deleted (
    company             TEXT NOT NULL,
    object_id           TEXT NOT NULL,             -- TxnID or ListID
    object_kind         TEXT NOT NULL,             -- txn | list
    del_type            TEXT NOT NULL,             -- Bill, Vendor, ...
    ref_or_name         TEXT,
    time_deleted        TIMESTAMP,
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, object_id)
);

-- ---------------------------------------------------------------- the outbox and its responses
CREATE TABLE IF NOT EXISTS qbxml_outbox (
    request_id          TEXT PRIMARY KEY,          -- at most 50 characters (qbXML requestID)
    company             TEXT NOT NULL,
    op                  TEXT NOT NULL,             -- VendorAdd, BillAdd, BillMod, VendorQuery, ...
    dedup_key           TEXT NOT NULL,             -- e.g. acme:po:4711:v3
    record_key          TEXT NOT NULL,             -- the document it is about, e.g. acme:po:4711
    payload             {json} NOT NULL,           -- request fields in qbXML names, rendered per version at send
    depends_on          TEXT,                      -- request_id that must be done first
    status              TEXT NOT NULL DEFAULT 'pending',  -- pending, sent, done, failed, retry, unknown
    attempts            INTEGER NOT NULL DEFAULT 0,
    ticket              TEXT,
    batch_id            TEXT,
    qb_id               TEXT,                      -- ListID / TxnID once QuickBooks answered
    qb_edit_sequence    TEXT,
    last_status_code    INTEGER,
    last_error          TEXT,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    sent_at             TIMESTAMP,
    settled_at          TIMESTAMP,
    next_attempt_at     TIMESTAMP,
    UNIQUE (company, dedup_key)
);

CREATE TABLE IF NOT EXISTS qbxml_messages (
    batch_id            TEXT PRIMARY KEY,
    company             TEXT NOT NULL,
    ticket              TEXT,
    qbxml_version       TEXT,
    request_count       INTEGER NOT NULL,
    request_xml         TEXT NOT NULL,
    response_xml        TEXT,
    hresult             TEXT,
    hresult_message     TEXT,
    sent_at             TIMESTAMP NOT NULL,
    answered_at         TIMESTAMP
);

CREATE SEQUENCE IF NOT EXISTS qbxml_responses_id_seq;
CREATE TABLE IF NOT EXISTS qbxml_responses (
    response_id         BIGINT PRIMARY KEY DEFAULT nextval('qbxml_responses_id_seq'),
    company             TEXT NOT NULL,
    batch_id            TEXT,
    request_id          TEXT NOT NULL,
    op                  TEXT,
    status_code         INTEGER,
    status_severity     TEXT,
    status_message      TEXT,
    ret_count           INTEGER,
    iterator_id         TEXT,
    iterator_remaining  INTEGER,
    records             {json},                    -- parsed ...Ret records
    received_at         TIMESTAMP NOT NULL,
    folded_at           TIMESTAMP                  -- when the qb_* assets took it in
);

CREATE TABLE IF NOT EXISTS qbwc_sessions (
    ticket              TEXT PRIMARY KEY,
    company             TEXT NOT NULL,
    qbwc_user           TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    expires_at          TIMESTAMP NOT NULL,
    last_seen_at        TIMESTAMP NOT NULL,
    closed_at           TIMESTAMP,
    qbxml_version       TEXT,                      -- negotiated
    country             TEXT,
    company_file        TEXT,
    host_info           {json},                    -- HostQuery/CompanyQuery/PreferencesQuery answer
    last_error          TEXT,
    connection_errors   INTEGER NOT NULL DEFAULT 0,
    requests_sent       INTEGER NOT NULL DEFAULT 0,
    requests_done       INTEGER NOT NULL DEFAULT 0,
    requests_failed     INTEGER NOT NULL DEFAULT 0
);

-- ---------------------------------------------------------------- audit and quarantine
CREATE SEQUENCE IF NOT EXISTS audit_log_id_seq;
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id            BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
    occurred_at         TIMESTAMP NOT NULL,
    actor               TEXT NOT NULL,             -- asset, bridge, cli:replay, ...
    company             TEXT,
    record_key          TEXT NOT NULL,             -- e.g. acme:po:4711
    event               TEXT NOT NULL,             -- landed, staged, matched, quarantined, queued, sent, done, ...
    request_id          TEXT,
    detail              {json}
);
CREATE INDEX IF NOT EXISTS audit_log_record ON audit_log (record_key);

CREATE TABLE IF NOT EXISTS quarantine (
    record_key          TEXT NOT NULL,
    check_name          TEXT NOT NULL,
    field               TEXT,
    reason              TEXT NOT NULL,
    company             TEXT,
    detected_at         TIMESTAMP NOT NULL,
    released_at         TIMESTAMP,
    PRIMARY KEY (record_key, check_name)
);
