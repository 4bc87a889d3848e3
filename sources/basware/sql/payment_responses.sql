-- A payment response for each transferred Basware invoice whose bill QuickBooks shows paid, in full or in part:
-- the paid total so far (a payment applied to several bills counts up to each bill's amount), the latest payment's
-- date, method and check number. A later payment changes the total and is a new response; an unchanged one is not.
WITH transferred AS (
    SELECT DISTINCT t.record_key FROM cloud_outbox t
    WHERE t.source_system = {system} AND t.op = 'transfer_response' AND t.status = 'done'
), bills AS (
    SELECT DISTINCT b.record_key, b.source_id, b.company, o.qb_id AS txn_id, qb.amount_due
    FROM bill_drafts b
    JOIN qbxml_outbox o ON o.company = b.company AND o.record_key = b.record_key
        AND o.op = 'BillAdd' AND o.status = 'done'
    JOIN qb_bills qb ON qb.company = b.company AND qb.txn_id = o.qb_id
    WHERE b.source_system = {system}
), applied AS (
    SELECT k.record_key, k.source_id, k.amount_due, q.txn_id, q.txn_date, q.ref_number, q.payment_kind,
           CASE WHEN q.applied_to_txn_ids LIKE '%,%' THEN least(q.amount, k.amount_due) ELSE q.amount END AS share,
           row_number() OVER (PARTITION BY k.record_key ORDER BY q.txn_date DESC, q.txn_id DESC) AS latest
    FROM bills k
    JOIN qb_bill_payments q ON q.company = k.company
        AND ',' || replace(q.applied_to_txn_ids, ' ', '') || ',' LIKE '%,' || k.txn_id || ',%'
), paid AS (
    SELECT record_key, source_id, min(amount_due) AS amount_due,
           CAST(least(sum(share), min(amount_due)) AS DECIMAL(18,2)) AS paid_total
    FROM applied GROUP BY record_key, source_id
)
SELECT p.record_key, p.source_id AS invoice_id, p.paid_total,
       CASE WHEN p.paid_total >= p.amount_due THEN 'Paid in full in QuickBooks: ' || CAST(p.paid_total AS TEXT)
            ELSE 'Partially paid in QuickBooks: ' || CAST(p.paid_total AS TEXT) || ' of '
                 || CAST(p.amount_due AS TEXT) END AS message,
       {iso_paid_on} AS paid_on,
       CASE WHEN a.payment_kind = 'credit_card' THEN 'CreditCard' ELSE 'Check' END AS method,
       substr(a.ref_number, 1, 25) AS check_number,
       a.txn_id AS payment_number
FROM paid p
JOIN applied a ON a.record_key = p.record_key AND a.latest = 1
WHERE p.record_key IN (SELECT record_key FROM transferred)
