-- The QuickBooks customers and vendors as Salesforce Accounts (parameters: company, today, company again).
-- Customers carry the open balance, the overdue amount and aging buckets of their own open invoices on `today`;
-- an inactive or deleted name is inactive. A deleted vendor has left the mirror: its deletion fact speaks for it.
WITH p AS (SELECT CAST(? AS TEXT) AS company, CAST(? AS DATE) AS today),
open_invoices AS (
    SELECT i.customer_list_id, i.balance_remaining AS amount, p.today - i.due_date AS days_late
    FROM qb_invoices i JOIN p ON p.company = i.company
    WHERE i.balance_remaining > 0
      AND NOT EXISTS (SELECT 1 FROM qb_deleted d WHERE d.company = i.company AND d.object_id = i.txn_id)
),
balances AS (
    SELECT customer_list_id,
           sum(amount) AS open_balance,
           sum(CASE WHEN days_late > 0 THEN amount ELSE 0 END) AS overdue,
           sum(CASE WHEN days_late <= 0 THEN amount ELSE 0 END) AS aging_current,
           sum(CASE WHEN days_late BETWEEN 1 AND 30 THEN amount ELSE 0 END) AS aging_1_30,
           sum(CASE WHEN days_late BETWEEN 31 AND 60 THEN amount ELSE 0 END) AS aging_31_60,
           sum(CASE WHEN days_late BETWEEN 61 AND 90 THEN amount ELSE 0 END) AS aging_61_90,
           sum(CASE WHEN days_late > 90 THEN amount ELSE 0 END) AS aging_over_90
    FROM open_invoices GROUP BY customer_list_id
)
SELECT 'customer' AS kind, c.list_id, c.full_name AS name, c.parent_list_id, coalesce(c.sublevel, 0) AS sublevel,
       c.address_line1, c.address_line2, c.city, c.state, c.postal_code, c.country, c.phone, c.email, c.terms,
       coalesce(b.open_balance, 0) AS open_balance, coalesce(b.overdue, 0) AS overdue,
       coalesce(b.aging_current, 0) AS aging_current, coalesce(b.aging_1_30, 0) AS aging_1_30,
       coalesce(b.aging_31_60, 0) AS aging_31_60, coalesce(b.aging_61_90, 0) AS aging_61_90,
       coalesce(b.aging_over_90, 0) AS aging_over_90,
       NOT coalesce(c.is_active, TRUE) AS inactive, d.object_id IS NOT NULL AS deleted
FROM qb_customers c JOIN p ON p.company = c.company
LEFT JOIN balances b ON b.customer_list_id = c.list_id
LEFT JOIN qb_deleted d ON d.company = c.company AND d.object_id = c.list_id
UNION ALL
SELECT 'vendor', v.list_id, v.vendor_name, NULL, 0, v.address_line1, NULL, v.city, v.state, v.postal_code,
       v.country, v.phone, v.email, v.terms, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NOT coalesce(v.is_active, TRUE), FALSE
FROM qb_vendors v JOIN p ON p.company = v.company
UNION ALL
SELECT 'vendor', d.object_id, d.ref_or_name, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, TRUE, TRUE
FROM qb_deleted d
WHERE d.company = ? AND d.del_type = 'Vendor'
  AND NOT EXISTS (SELECT 1 FROM qb_vendors v WHERE v.company = d.company AND v.list_id = d.object_id)
