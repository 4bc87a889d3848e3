-- Transform outputs shared by the pipeline, the data checks and reconciliation.

CREATE TABLE IF NOT EXISTS vendor_matches (
    company             TEXT NOT NULL,
    source_system       TEXT NOT NULL,
    supplier_source_id  TEXT NOT NULL,
    record_key          TEXT NOT NULL,             -- e.g. acme:supplier:17
    match_method        TEXT NOT NULL,             -- external_id | name | address | create | review
    qb_list_id          TEXT,                      -- set when matched to an existing QuickBooks vendor
    qb_vendor_name      TEXT NOT NULL,             -- the QuickBooks name, existing or to be created (<= 41)
    matched_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (company, source_system, supplier_source_id)
);

CREATE TABLE IF NOT EXISTS bill_drafts (
    company             TEXT NOT NULL,
    record_key          TEXT NOT NULL,             -- e.g. acme:po:4711, acme:invoice:99
    source_system       TEXT NOT NULL,
    source_kind         TEXT NOT NULL,             -- purchase_order | invoice
    source_id           TEXT NOT NULL,
    source_version      INTEGER NOT NULL,
    document_number     TEXT NOT NULL,             -- becomes the bill's RefNumber
    supplier_source_id  TEXT,
    vendor_record_key   TEXT,                      -- the supplier's record_key
    qb_vendor_name      TEXT,
    txn_date            DATE,
    due_date            DATE,
    memo                TEXT,
    currency            TEXT,
    total_amount        DECIMAL(18,2),             -- the document total as the source states it
    line_total          DECIMAL(18,2),             -- the sum of its lines
    built_at            TIMESTAMP NOT NULL,
    PRIMARY KEY (company, record_key)
);

CREATE TABLE IF NOT EXISTS bill_draft_lines (
    company             TEXT NOT NULL,
    record_key          TEXT NOT NULL,
    line_number         INTEGER NOT NULL,
    account_code        TEXT,                      -- as in the source
    cost_centre         TEXT,
    qb_account_name     TEXT,                      -- mapped QuickBooks account FullName (NULL: unmapped)
    qb_class_name       TEXT,
    description         TEXT,
    quantity            DECIMAL(18,5),
    unit_price          DECIMAL(18,5),
    amount              DECIMAL(18,2),
    PRIMARY KEY (company, record_key, line_number)
);
