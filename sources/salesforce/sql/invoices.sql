-- The QuickBooks invoices as Opportunities (parameters: company, today): customer, dates, subtotal, what is
-- left to pay, days past due on `today`, and whether QuickBooks deleted it (its row stays beside the fact).
SELECT i.txn_id, i.ref_number, i.customer_list_id, i.customer_name, i.txn_date, i.due_date, i.subtotal,
       i.balance_remaining, coalesce(i.is_paid, FALSE) AS is_paid, CAST(? AS DATE) - i.due_date AS days_late,
       d.object_id IS NOT NULL AS deleted,
       EXISTS (SELECT 1 FROM qb_invoice_lines l WHERE l.company = i.company AND l.txn_id = i.txn_id
               AND l.item_list_id IS NOT NULL) AS has_products
FROM qb_invoices i
LEFT JOIN qb_deleted d ON d.company = i.company AND d.object_id = i.txn_id
WHERE i.company = ?
