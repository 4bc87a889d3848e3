-- Vendor credits: a draft of a credit memo (a billable kind's `credits` status) is a QuickBooks VendorCredit, its
-- amounts the source's with the sign turned; `credit` says which drafts are credits.
ALTER TABLE bill_drafts ADD COLUMN IF NOT EXISTS credit BOOLEAN;

-- QuickBooks vendor credits, as the company file last answered (VendorCreditAdd/Mod answers, VendorCreditQuery).
CREATE TABLE IF NOT EXISTS qb_vendor_credits (
    company             TEXT NOT NULL,
    txn_id              TEXT NOT NULL,
    ref_number          TEXT,
    vendor_list_id      TEXT,
    vendor_name         TEXT,
    txn_date            DATE,
    credit_amount       DECIMAL(18, 2),
    open_amount         DECIMAL(18, 2),
    memo                TEXT,
    edit_sequence       TEXT,
    time_created        TIMESTAMP,
    time_modified       TIMESTAMP,
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, txn_id)
);
