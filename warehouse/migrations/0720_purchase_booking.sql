-- Each purchase booked once: which document's bill carries a draft, and what an adjusted bill's version is.
-- po_record_key: an invoice's PO (resolved from its lines whichever was staged first).
-- booked_on: the draft whose QuickBooks bill books this document (bill_on = po: an invoice on its PO's bill);
--   NULL = the document is a bill of its own.
-- po_difference: how an invoice booked on a PO differs from it (NULL: it invoices what was ordered).
-- revision: the version the bill request carries (dedup key <record_key>:v<revision>); a PO bill adjusted to
--   its invoices is e.g. 2+i17v1.
-- bill_on: the company's policy for the source when the draft was built (po | invoice).
ALTER TABLE bill_drafts ADD COLUMN IF NOT EXISTS po_record_key TEXT;
ALTER TABLE bill_drafts ADD COLUMN IF NOT EXISTS booked_on TEXT;
ALTER TABLE bill_drafts ADD COLUMN IF NOT EXISTS po_difference TEXT;
ALTER TABLE bill_drafts ADD COLUMN IF NOT EXISTS revision TEXT;
ALTER TABLE bill_drafts ADD COLUMN IF NOT EXISTS bill_on TEXT;
-- drafts built before keep bill_on NULL, so the next build rebuilds them all under the policy
UPDATE bill_drafts SET revision = CAST(source_version AS TEXT) WHERE revision IS NULL;

-- An operator's decisions that matching keeps: a supplier linked by hand to an existing QuickBooks vendor.
CREATE TABLE IF NOT EXISTS vendor_links (
    company             TEXT NOT NULL,
    source_system       TEXT NOT NULL,
    supplier_source_id  TEXT NOT NULL,
    qb_list_id          TEXT NOT NULL,
    linked_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, source_system, supplier_source_id)
);

-- Explicit QuickBooks item for a source account code (PO lines need an ItemRef).
CREATE TABLE IF NOT EXISTS item_mappings (
    company             TEXT NOT NULL,
    source_system       TEXT NOT NULL,
    source_account_code TEXT NOT NULL,
    qb_item_name        TEXT NOT NULL,
    PRIMARY KEY (company, source_system, source_account_code)
);

-- What a source document cancelled after QuickBooks booked it does to its unpaid bill: void (TxnVoid) | hold.
ALTER TABLE company_sources ADD COLUMN IF NOT EXISTS on_cancel TEXT DEFAULT 'hold';
