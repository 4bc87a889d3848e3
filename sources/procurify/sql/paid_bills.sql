-- Procurify AP bills whose bill QuickBooks shows paid in full: the bill's own (bill_on = invoice) or the bill of the
-- PO it is booked on (bill_on = po). The payment date is that of the latest bill payment applied to the bill.
WITH billed AS (
    SELECT DISTINCT i.record_key, i.source_id, i.company, o.qb_id AS txn_id
    FROM bill_drafts i
    JOIN qbxml_outbox o ON o.company = i.company AND o.record_key = coalesce(i.booked_on, i.record_key)
        AND o.op = 'BillAdd' AND o.status = 'done'
    WHERE i.source_system = {system} AND i.source_kind = 'invoice'
)
SELECT k.record_key, k.source_id AS bill_id, max(p.txn_date) AS paid_on
FROM billed k
JOIN qb_bills b ON b.company = k.company AND b.txn_id = k.txn_id AND b.is_paid
JOIN qb_bill_payments p ON p.company = k.company
    AND ',' || replace(coalesce(p.applied_to_txn_ids, ''), ' ', '') || ',' LIKE '%,' || k.txn_id || ',%'
GROUP BY k.record_key, k.source_id
