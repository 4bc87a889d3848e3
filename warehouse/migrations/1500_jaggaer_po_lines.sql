-- The PO line an invoice line bills, as the source numbers it (JAGGAER's poLineNumber): a bill line links to that
-- line of the QuickBooks PurchaseOrder. Optional: sources whose lines do not name it leave it NULL.
ALTER TABLE stg_invoice_lines ADD COLUMN IF NOT EXISTS po_line_number TEXT;
