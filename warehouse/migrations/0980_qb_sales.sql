-- QuickBooks sales in the mirror (CustomerQuery, InvoiceQuery with IncludeLineItems), for flows out of QuickBooks.
-- Deleted customers and invoices keep their rows: the deletion is a fact in qb_deleted (what was deleted, when, by
-- which query's answer), so a cloud system can still be told. Vendors and items gain the fields such a flow sends.
CREATE TABLE IF NOT EXISTS qb_customers (
    company             TEXT NOT NULL,
    list_id             TEXT NOT NULL,
    full_name           TEXT NOT NULL,             -- Parent:Child for jobs (sub-customers)
    customer_name       TEXT,
    parent_list_id      TEXT,
    sublevel            INTEGER,
    company_name        TEXT,
    address_line1       TEXT,
    address_line2       TEXT,
    city                TEXT,
    state               TEXT,
    postal_code         TEXT,
    country             TEXT,
    phone               TEXT,
    email               TEXT,
    terms               TEXT,
    balance             DECIMAL(18, 2),
    total_balance       DECIMAL(18, 2),
    is_active           BOOLEAN,
    edit_sequence       TEXT,
    time_created        TIMESTAMP,
    time_modified       TIMESTAMP,
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, list_id)
);

CREATE TABLE IF NOT EXISTS qb_invoices (
    company             TEXT NOT NULL,
    txn_id              TEXT NOT NULL,
    ref_number          TEXT,
    customer_list_id    TEXT,
    customer_name       TEXT,
    txn_date            DATE,
    due_date            DATE,
    terms               TEXT,
    subtotal            DECIMAL(18, 2),
    sales_tax_total     DECIMAL(18, 2),
    applied_amount      DECIMAL(18, 2),
    balance_remaining   DECIMAL(18, 2),
    is_paid             BOOLEAN,
    memo                TEXT,
    edit_sequence       TEXT,
    time_created        TIMESTAMP,
    time_modified       TIMESTAMP,
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, txn_id)
);

-- An invoice's lines as its newest answer lists them (a changed invoice replaces all its lines).
CREATE TABLE IF NOT EXISTS qb_invoice_lines (
    company             TEXT NOT NULL,
    txn_id              TEXT NOT NULL,
    txn_line_id         TEXT NOT NULL,
    line_number         INTEGER NOT NULL,
    item_list_id        TEXT,
    item_name           TEXT,
    description         TEXT,
    quantity            DECIMAL(18, 5),
    rate                DECIMAL(18, 5),
    amount              DECIMAL(18, 2),
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, txn_line_id)
);
CREATE INDEX IF NOT EXISTS qb_invoice_lines_txn ON qb_invoice_lines (company, txn_id);

ALTER TABLE qb_deleted ADD COLUMN IF NOT EXISTS deleted_by TEXT;  -- TxnDeletedQuery or ListDeletedQuery
ALTER TABLE qb_vendors ADD COLUMN IF NOT EXISTS state TEXT;
ALTER TABLE qb_vendors ADD COLUMN IF NOT EXISTS country TEXT;
ALTER TABLE qb_vendors ADD COLUMN IF NOT EXISTS phone TEXT;
ALTER TABLE qb_vendors ADD COLUMN IF NOT EXISTS email TEXT;
ALTER TABLE qb_vendors ADD COLUMN IF NOT EXISTS terms TEXT;
ALTER TABLE qb_items ADD COLUMN IF NOT EXISTS description TEXT;
ALTER TABLE qb_items ADD COLUMN IF NOT EXISTS price DECIMAL(18, 5);
