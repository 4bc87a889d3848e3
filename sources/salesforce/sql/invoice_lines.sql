-- The item lines of the invoices as OpportunityLineItems (parameter: company); lines without an item have
-- no product in Salesforce and are left out.
SELECT l.txn_id, l.txn_line_id, l.line_number, l.item_list_id, l.description, l.quantity, l.rate, l.amount
FROM qb_invoice_lines l
WHERE l.company = ? AND l.item_list_id IS NOT NULL
