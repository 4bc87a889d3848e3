-- One transfer response per acknowledged invoice: success with the QuickBooks TxnID as voucher number once its
-- BillAdd is done; else, while QuickBooks refuses the bill or the invoice is held in quarantine, success = false
-- with the reasons, so the AP team sees the problem on the invoice in Basware.
WITH acknowledged AS (
    SELECT DISTINCT a.record_key FROM cloud_outbox a
    WHERE a.source_system = {system} AND a.op = 'acknowledge' AND a.status = 'done'
), bill_adds AS (
    SELECT b.record_key, b.source_id, b.document_number, o.status, o.qb_id, o.last_error,
           coalesce(o.settled_at, o.updated_at) AS settled_at
    FROM bill_drafts b
    JOIN qbxml_outbox o ON o.company = b.company AND o.record_key = b.record_key
        AND o.op = 'BillAdd' AND o.status IN ('done', 'failed')
    WHERE b.source_system = {system}
), billed AS (
    SELECT record_key, source_id, min(document_number) AS ref_number, min(qb_id) AS txn_id,
           min(settled_at) AS billed_at
    FROM bill_adds WHERE status = 'done' GROUP BY record_key, source_id
), refused AS (
    SELECT record_key, 'QuickBooks refused the bill: '
               || string_agg(coalesce(last_error, 'no reason given'), '; ' ORDER BY last_error) AS message
    FROM bill_adds WHERE status = 'failed' GROUP BY record_key
), held AS (
    SELECT q.record_key, 'Held by qbsync: ' || string_agg(DISTINCT coalesce(q.field, '') || ': ' || q.reason, '; '
               ORDER BY coalesce(q.field, '') || ': ' || q.reason) AS message
    FROM quarantine q
    WHERE q.released_at IS NULL AND q.record_key LIKE {system} || ':invoice:%'
    GROUP BY q.record_key
)
SELECT k.record_key, i.source_id AS invoice_id, true AS success,
       'Bill ' || k.ref_number || ' entered in QuickBooks as TxnID ' || k.txn_id AS message,
       k.txn_id AS voucher, {iso_billed} AS transfer_date
FROM billed k JOIN stg_invoices i ON i.source_system = {system} AND i.source_id = k.source_id
WHERE k.record_key IN (SELECT record_key FROM acknowledged)
UNION ALL
SELECT x.record_key, i.source_id, false, substr(x.message, 1, 250), CAST(NULL AS TEXT), CAST(NULL AS TEXT)
FROM (
    SELECT record_key, message FROM held
    UNION ALL
    SELECT r.record_key, r.message FROM refused r WHERE r.record_key NOT IN (SELECT record_key FROM held)
) x
JOIN stg_invoices i ON i.source_system = {system} AND {invoice_key} = x.record_key
WHERE x.record_key IN (SELECT record_key FROM acknowledged) AND x.record_key NOT IN (SELECT record_key FROM billed)
