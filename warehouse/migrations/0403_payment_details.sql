-- A Coupa payment can pay several invoices: payment-details[] each name an invoice (payable-id) and the share
-- of the payment that goes to it (payment-total). stg_payment_details keeps them, one row per detail, so the
-- BillPaymentCheckAdd applies each share to that invoice's bill; stg_payments.invoice_source_id stays the first.
-- recon_payments is re-created per (company, payment) over every detail's bill.
-- (No semicolons inside statements: the migration runner splits on them.)

CREATE TABLE IF NOT EXISTS stg_payment_details (
    source_system       TEXT NOT NULL,
    payment_source_id   TEXT NOT NULL,
    line_number         INTEGER NOT NULL,
    detail_id           TEXT,
    invoice_source_id   TEXT,
    amount              DECIMAL(18,2),
    PRIMARY KEY (source_system, payment_source_id, line_number)
);

DROP VIEW IF EXISTS recon_payments;

CREATE VIEW recon_payments AS
WITH details AS (
    SELECT source_system, payment_source_id AS source_id, line_number, invoice_source_id, amount
    FROM stg_payment_details
    UNION ALL
    SELECT p.source_system, p.source_id, 1, p.invoice_source_id, p.amount
    FROM stg_payments p
    WHERE NOT EXISTS (SELECT 1 FROM stg_payment_details pd
                      WHERE pd.source_system = p.source_system AND pd.payment_source_id = p.source_id)
),
bills AS (
    SELECT d.company, d.record_key, d.source_system, d.source_kind, d.source_id,
           max(CASE WHEN o.status = 'done' THEN o.qb_id END) AS bill_txn_id
    FROM bill_drafts d
    LEFT JOIN qbxml_outbox o ON o.company = d.company AND o.record_key = d.record_key
        AND o.op IN ('BillAdd', 'BillMod')
    GROUP BY d.company, d.record_key, d.source_system, d.source_kind, d.source_id
),
detail_bill AS (
    SELECT x.source_system, x.source_id, x.line_number, x.invoice_source_id, b.company,
           b.record_key AS bill_record_key, b.bill_txn_id,
           ROW_NUMBER() OVER (PARTITION BY x.source_system, x.source_id, x.line_number, b.company
                              ORDER BY CASE WHEN b.source_kind = 'invoice' THEN 0 ELSE 1 END) AS rn
    FROM details x
    LEFT JOIN stg_invoices i ON i.source_system = x.source_system AND i.source_id = x.invoice_source_id
    JOIN bills b ON b.source_system = x.source_system
        AND ((b.source_kind = 'invoice' AND b.source_id = x.invoice_source_id)
             OR (b.source_kind = 'purchase_order' AND b.source_id = i.po_source_id))
),
payment_companies AS (
    SELECT DISTINCT source_system, source_id, company FROM detail_bill
),
applied AS (
    SELECT pc.company, pc.source_system, pc.source_id, count(*) AS details, count(db.bill_txn_id) AS billed,
           string_agg(db.bill_record_key, ',' ORDER BY x.line_number) AS bill_record_keys,
           string_agg(db.bill_txn_id, ',' ORDER BY x.line_number) AS bill_txn_ids,
           max(db.bill_txn_id) AS any_bill_txn_id,
           string_agg(CASE WHEN db.bill_txn_id IS NULL THEN 'invoice ' || x.invoice_source_id END, ', '
                      ORDER BY x.line_number) AS waiting_for
    FROM payment_companies pc
    JOIN details x ON x.source_system = pc.source_system AND x.source_id = pc.source_id
    LEFT JOIN detail_bill db ON db.source_system = x.source_system AND db.source_id = x.source_id
        AND db.line_number = x.line_number AND db.company = pc.company AND db.rn = 1
    GROUP BY pc.company, pc.source_system, pc.source_id
),
payment_requests AS (
    SELECT company, record_key, max(CASE WHEN status = 'done' THEN qb_id END) AS qb_id,
           max(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed
    FROM qbxml_outbox WHERE op LIKE 'BillPayment%'
    GROUP BY company, record_key
),
candidates AS (
    SELECT a.company, a.source_system, a.source_id, q.txn_id, q.amount, q.applied_to_txn_ids,
           ROW_NUMBER() OVER (PARTITION BY a.company, a.source_system, a.source_id
                              ORDER BY CASE WHEN q.txn_id = pr.qb_id THEN 0 ELSE 1 END,
                                       ABS(q.amount - p.amount), q.txn_id) AS rn
    FROM applied a
    JOIN stg_payments p ON p.source_system = a.source_system AND p.source_id = a.source_id
    LEFT JOIN payment_requests pr ON pr.company = a.company
        AND pr.record_key = p.source_system || ':payment:' || p.source_id
    JOIN qb_bill_payments q ON q.company = a.company
        AND (q.txn_id = pr.qb_id
             OR (a.any_bill_txn_id IS NOT NULL
                 AND ',' || REPLACE(q.applied_to_txn_ids, ' ', '') || ',' LIKE '%,' || a.any_bill_txn_id || ',%'))
),
coverage AS (
    -- the bills of the payment the QuickBooks payment leaves out (each detail's bill must be applied)
    SELECT c.company, c.source_system, c.source_id, count(*) AS unapplied
    FROM candidates c
    JOIN detail_bill db ON db.source_system = c.source_system AND db.source_id = c.source_id
        AND db.company = c.company AND db.rn = 1
    WHERE c.rn = 1 AND (db.bill_txn_id IS NULL
        OR ',' || REPLACE(COALESCE(c.applied_to_txn_ids, ''), ' ', '') || ',' NOT LIKE '%,' || db.bill_txn_id || ',%')
    GROUP BY c.company, c.source_system, c.source_id
)
SELECT a.company, p.source_system, p.source_id, p.source_system || ':payment:' || p.source_id AS record_key,
       p.invoice_source_id, a.bill_record_keys AS bill_record_key, a.bill_txn_ids AS bill_txn_id,
       a.details AS invoice_count, a.waiting_for, p.payment_date, p.currency,
       p.amount AS source_amount, c.txn_id AS qb_txn_id, c.amount AS qb_amount, p.amount - c.amount AS difference,
       CASE WHEN EXISTS (SELECT 1 FROM quarantine q WHERE q.released_at IS NULL AND q.company IN ('', a.company)
                         AND (q.record_key = p.source_system || ':payment:' || p.source_id
                              OR ',' || a.bill_record_keys || ',' LIKE '%,' || q.record_key || ',%'))
                THEN 'quarantined'
            WHEN c.txn_id IS NOT NULL AND ABS(p.amount - c.amount) <= 0.01 AND COALESCE(cv.unapplied, 0) = 0
                THEN 'matched'
            WHEN c.txn_id IS NOT NULL THEN 'amount_differs'
            WHEN pr.failed = 1 OR pr.qb_id IS NOT NULL THEN 'missing_in_quickbooks'
            ELSE 'pending'
       END AS status
FROM stg_payments p
LEFT JOIN applied a ON a.source_system = p.source_system AND a.source_id = p.source_id
LEFT JOIN candidates c ON c.company = a.company AND c.source_system = p.source_system AND c.source_id = p.source_id
    AND c.rn = 1
LEFT JOIN coverage cv ON cv.company = a.company AND cv.source_system = p.source_system AND cv.source_id = p.source_id
LEFT JOIN payment_requests pr ON pr.company = a.company
    AND pr.record_key = p.source_system || ':payment:' || p.source_id;
