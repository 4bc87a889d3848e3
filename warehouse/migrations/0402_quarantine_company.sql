-- quarantine keyed by company: a company is one QuickBooks file, and one Coupa record key (coupa:po:17) can feed
-- several companies (or two Coupa instances can both produce it). Holding or releasing it for one company must
-- not touch another's. company '' is a source-level hold (staging: a field of the Coupa record itself does not
-- parse) and applies to every company the source feeds; readers match q.company IN ('', <company>).
-- DuckDB cannot change a primary key: create the new table, copy, drop, rename. The recon views read the table,
-- so PostgreSQL needs them dropped first; they are re-created below with company-aware holds.
-- (No semicolons inside statements: the migration runner splits on them.)

DROP VIEW IF EXISTS recon_documents;
DROP VIEW IF EXISTS recon_payments;

CREATE TABLE quarantine_by_company (
    record_key          TEXT NOT NULL,
    check_name          TEXT NOT NULL,
    field               TEXT,
    reason              TEXT NOT NULL,
    company             TEXT NOT NULL DEFAULT '',  -- '' = a source-level hold for every company the source feeds
    detected_at         TIMESTAMP NOT NULL,
    released_at         TIMESTAMP,
    PRIMARY KEY (company, record_key, check_name)
);

INSERT INTO quarantine_by_company (record_key, check_name, field, reason, company, detected_at, released_at)
SELECT record_key, check_name, field, reason, COALESCE(company, ''), detected_at, released_at FROM quarantine;

DROP INDEX IF EXISTS quarantine_open;
DROP TABLE quarantine;
ALTER TABLE quarantine_by_company RENAME TO quarantine;
CREATE INDEX IF NOT EXISTS quarantine_open ON quarantine (company, released_at);
CREATE INDEX IF NOT EXISTS quarantine_record ON quarantine (record_key);

CREATE OR REPLACE VIEW recon_documents AS
WITH bill_requests AS (
    SELECT company, record_key, status, last_error,
           ROW_NUMBER() OVER (PARTITION BY company, record_key ORDER BY created_at DESC, request_id DESC) AS rn
    FROM qbxml_outbox WHERE op IN ('BillAdd', 'BillMod')
),
bill_txn AS (
    SELECT company, record_key, max(qb_id) AS qb_txn_id
    FROM qbxml_outbox
    WHERE op IN ('BillAdd', 'BillMod') AND status = 'done' AND qb_id IS NOT NULL
    GROUP BY company, record_key
),
held AS (
    SELECT d.company, d.record_key,
           string_agg(q.check_name || ': ' || q.reason, ' | ' ORDER BY q.check_name, q.company) AS reason
    FROM bill_drafts d
    JOIN quarantine q ON q.record_key = d.record_key AND q.company IN ('', d.company) AND q.released_at IS NULL
    GROUP BY d.company, d.record_key
)
SELECT d.company, d.record_key, d.source_system, d.source_kind, d.source_id, d.source_version,
       d.document_number, d.qb_vendor_name AS vendor_name, d.txn_date, d.currency,
       d.total_amount AS source_amount, t.qb_txn_id, b.amount_due AS qb_amount,
       d.total_amount - b.amount_due AS difference,
       r.status AS outbox_status, r.last_error, h.reason AS quarantine_reason,
       CASE WHEN h.record_key IS NOT NULL THEN 'quarantined'
            WHEN b.txn_id IS NOT NULL AND ABS(COALESCE(d.total_amount, 0) - COALESCE(b.amount_due, 0)) <= 0.01
                THEN 'matched'
            WHEN b.txn_id IS NOT NULL THEN 'amount_differs'
            WHEN r.status = 'failed' OR t.qb_txn_id IS NOT NULL THEN 'missing_in_quickbooks'
            ELSE 'pending'
       END AS status
FROM bill_drafts d
LEFT JOIN bill_requests r ON r.company = d.company AND r.record_key = d.record_key AND r.rn = 1
LEFT JOIN bill_txn t ON t.company = d.company AND t.record_key = d.record_key
LEFT JOIN qb_bills b ON b.company = d.company AND b.txn_id = t.qb_txn_id
LEFT JOIN held h ON h.company = d.company AND h.record_key = d.record_key;

CREATE OR REPLACE VIEW recon_payments AS
WITH bills AS (
    SELECT d.company, d.record_key, d.source_system, d.source_kind, d.source_id,
           max(CASE WHEN o.status = 'done' THEN o.qb_id END) AS bill_txn_id
    FROM bill_drafts d
    LEFT JOIN qbxml_outbox o ON o.company = d.company AND o.record_key = d.record_key
        AND o.op IN ('BillAdd', 'BillMod')
    GROUP BY d.company, d.record_key, d.source_system, d.source_kind, d.source_id
),
payment_bill AS (
    SELECT p.source_system, p.source_id, b.company, b.record_key AS bill_record_key, b.bill_txn_id,
           ROW_NUMBER() OVER (PARTITION BY p.source_system, p.source_id
                              ORDER BY CASE WHEN b.source_kind = 'invoice' THEN 0 ELSE 1 END) AS rn
    FROM stg_payments p
    LEFT JOIN stg_invoices i ON i.source_system = p.source_system AND i.source_id = p.invoice_source_id
    JOIN bills b ON b.source_system = p.source_system
        AND ((b.source_kind = 'invoice' AND b.source_id = p.invoice_source_id)
             OR (b.source_kind = 'purchase_order' AND b.source_id = i.po_source_id))
),
payment_requests AS (
    SELECT company, record_key, max(CASE WHEN status = 'done' THEN qb_id END) AS qb_id,
           max(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed
    FROM qbxml_outbox WHERE op LIKE 'BillPayment%'
    GROUP BY company, record_key
),
candidates AS (
    SELECT p.source_system, p.source_id, q.txn_id, q.amount,
           ROW_NUMBER() OVER (PARTITION BY p.source_system, p.source_id
                              ORDER BY CASE WHEN q.txn_id = pr.qb_id THEN 0 ELSE 1 END,
                                       ABS(q.amount - p.amount), q.txn_id) AS rn
    FROM stg_payments p
    JOIN payment_bill pb ON pb.source_system = p.source_system AND pb.source_id = p.source_id AND pb.rn = 1
    LEFT JOIN payment_requests pr ON pr.company = pb.company
        AND pr.record_key = p.source_system || ':payment:' || p.source_id
    JOIN qb_bill_payments q ON q.company = pb.company
        AND (q.txn_id = pr.qb_id
             OR (pb.bill_txn_id IS NOT NULL
                 AND ',' || REPLACE(q.applied_to_txn_ids, ' ', '') || ',' LIKE '%,' || pb.bill_txn_id || ',%'))
)
SELECT pb.company, p.source_system, p.source_id, p.source_system || ':payment:' || p.source_id AS record_key,
       p.invoice_source_id, pb.bill_record_key, pb.bill_txn_id, p.payment_date, p.currency,
       p.amount AS source_amount, c.txn_id AS qb_txn_id, c.amount AS qb_amount, p.amount - c.amount AS difference,
       CASE WHEN EXISTS (SELECT 1 FROM quarantine q WHERE q.released_at IS NULL
                         AND q.record_key IN (p.source_system || ':payment:' || p.source_id, pb.bill_record_key)
                         AND q.company IN ('', pb.company)) THEN 'quarantined'
            WHEN c.txn_id IS NOT NULL AND ABS(p.amount - c.amount) <= 0.01 THEN 'matched'
            WHEN c.txn_id IS NOT NULL THEN 'amount_differs'
            WHEN pr.failed = 1 OR pr.qb_id IS NOT NULL THEN 'missing_in_quickbooks'
            ELSE 'pending'
       END AS status
FROM stg_payments p
LEFT JOIN payment_bill pb ON pb.source_system = p.source_system AND pb.source_id = p.source_id AND pb.rn = 1
LEFT JOIN candidates c ON c.source_system = p.source_system AND c.source_id = p.source_id AND c.rn = 1
LEFT JOIN payment_requests pr ON pr.company = pb.company
    AND pr.record_key = p.source_system || ':payment:' || p.source_id;
