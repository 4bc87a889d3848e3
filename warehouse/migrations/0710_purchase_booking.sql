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
