-- The views, re-created from this one file whenever a migration ran or this file changed (see __init__.py).
-- Reconciliation views for finance: each source document, supplier and payment against QuickBooks.
-- (No semicolons inside statements: the migration runner splits on them.)
-- Statuses: matched | amount_differs | missing_in_quickbooks | quarantined | pending (vendors also: review, unmatched).
-- A document booked on another's bill (an invoice on its PO's bill) shows that bill (booked_on names its draft).
-- A credit memo (a draft with `credit`) shows its vendor credit: qb_txn_type says which, qb_amount is its CreditAmount.
-- The QuickBooks side is the qb_* mirror (Add/Query responses folded in); the link is the outbox's TxnID/ListID.

-- Which company each source instance feeds, by the instance's source key: the source_system value of its rows
-- (`coupa` for a system's default instance, `coupa@emea` for another; sources/keys.py spells it in Python).
CREATE OR REPLACE VIEW company_feeds AS
SELECT company, CASE WHEN source_instance = 'default' THEN source_system
                     ELSE source_system || '@' || source_instance END AS source_system,
       source_system AS system, source_instance, bill_on, invoice_difference, vendor_policy, vendor_sync, on_cancel,
       vendor_names
FROM company_sources;

CREATE OR REPLACE VIEW recon_documents AS
WITH bill_requests AS (
    SELECT company, record_key, status, last_error,
           ROW_NUMBER() OVER (PARTITION BY company, record_key ORDER BY created_at DESC, request_id DESC) AS rn
    FROM qbxml_outbox WHERE op IN ('BillAdd', 'BillMod', 'VendorCreditAdd', 'VendorCreditMod')
),
bill_txn AS (
    SELECT company, record_key, max(qb_id) AS qb_txn_id
    FROM qbxml_outbox
    WHERE op IN ('BillAdd', 'BillMod', 'VendorCreditAdd', 'VendorCreditMod') AND status = '{request_done}'
        AND qb_id IS NOT NULL
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
       d.document_number, d.qb_vendor_name AS vendor_name, d.txn_date, d.currency, d.booked_on,
       d.total_amount AS source_amount, t.qb_txn_id, COALESCE(b.amount_due, vc.credit_amount) AS qb_amount,
       d.total_amount - COALESCE(b.amount_due, vc.credit_amount) AS difference,
       r.status AS outbox_status, r.last_error, h.reason AS quarantine_reason,
       CASE WHEN h.record_key IS NOT NULL THEN 'quarantined'
            WHEN COALESCE(b.txn_id, vc.txn_id) IS NOT NULL
                AND ABS(COALESCE(d.total_amount, 0) - COALESCE(b.amount_due, vc.credit_amount, 0)) <= 0.01
                THEN 'matched'
            WHEN COALESCE(b.txn_id, vc.txn_id) IS NOT NULL THEN 'amount_differs'
            WHEN r.status = '{request_failed}' OR t.qb_txn_id IS NOT NULL THEN 'missing_in_quickbooks'
            ELSE 'pending'
       END AS status,
       CASE WHEN d.credit THEN 'VendorCredit' ELSE 'Bill' END AS qb_txn_type
FROM bill_drafts d
LEFT JOIN bill_requests r ON r.company = d.company AND r.record_key = COALESCE(d.booked_on, d.record_key) AND r.rn = 1
LEFT JOIN bill_txn t ON t.company = d.company AND t.record_key = COALESCE(d.booked_on, d.record_key)
LEFT JOIN qb_bills b ON b.company = d.company AND b.txn_id = t.qb_txn_id AND d.credit IS NOT TRUE
LEFT JOIN qb_vendor_credits vc ON vc.company = d.company AND vc.txn_id = t.qb_txn_id AND d.credit IS TRUE
LEFT JOIN held h ON h.company = d.company AND h.record_key = d.record_key;

CREATE OR REPLACE VIEW recon_vendors AS
WITH vendor_requests AS (
    SELECT company, record_key, status, qb_id,
           ROW_NUMBER() OVER (PARTITION BY company, record_key ORDER BY created_at DESC, request_id DESC) AS rn
    FROM qbxml_outbox WHERE op IN ('VendorAdd', 'VendorMod')
),
linked AS (
    SELECT s.source_system, s.source_id, s.supplier_name, s.is_active, m.company, m.record_key, m.match_method,
           m.qb_vendor_name AS planned_name,
           COALESCE(m.qb_list_id, CASE WHEN r.status = '{request_done}' THEN r.qb_id END) AS qb_list_id,
           r.status AS outbox_status
    FROM stg_suppliers s
    LEFT JOIN vendor_matches m ON m.source_system = s.source_system AND m.supplier_source_id = s.source_id
    LEFT JOIN vendor_requests r ON r.company = m.company AND r.record_key = m.record_key AND r.rn = 1
)
SELECT l.company, l.source_system, l.source_id AS supplier_source_id,
       COALESCE(l.record_key, l.source_system || ':supplier:' || l.source_id) AS record_key,
       l.supplier_name, l.is_active, l.match_method, l.qb_list_id,
       COALESCE(v.vendor_name, l.planned_name) AS qb_vendor_name, l.outbox_status,
       CASE WHEN l.match_method IS NULL THEN 'unmatched'
            WHEN v.list_id IS NOT NULL THEN 'matched'
            WHEN l.match_method = 'review' THEN 'review'
            WHEN l.qb_list_id IS NOT NULL OR l.outbox_status = '{request_failed}' THEN 'missing_in_quickbooks'
            ELSE 'pending'
       END AS status
FROM linked l
LEFT JOIN qb_vendors v ON v.company = l.company AND v.list_id = l.qb_list_id;

CREATE OR REPLACE VIEW recon_payments AS
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
           COALESCE(d.booked_on, d.record_key) AS bill_record_key,
           max(CASE WHEN o.status = '{request_done}' THEN o.qb_id END) AS bill_txn_id
    FROM bill_drafts d
    LEFT JOIN qbxml_outbox o ON o.company = d.company AND o.record_key = COALESCE(d.booked_on, d.record_key)
        AND o.op IN ('BillAdd', 'BillMod')
    GROUP BY d.company, d.record_key, d.source_system, d.source_kind, d.source_id, d.booked_on
),
detail_bill AS (
    SELECT x.source_system, x.source_id, x.line_number, x.invoice_source_id, b.company,
           b.bill_record_key, b.bill_txn_id,
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
    SELECT company, record_key, max(CASE WHEN status = '{request_done}' THEN qb_id END) AS qb_id,
           max(CASE WHEN status = '{request_failed}' THEN 1 ELSE 0 END) AS failed
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

-- Each purchase booked once: a purchase is a PO with its invoices, or an invoice without a PO. `bills` counts the
-- documents of the purchase that are a bill of their own in QuickBooks; a PO's bill and an invoice's bill side by
-- side is a purchase booked twice. `expected_amount` is what the policy makes the purchase's bills add up to.
-- Credit memos are vendor credits, not bills of a purchase (recon_documents shows them).
CREATE OR REPLACE VIEW recon_purchases AS
WITH docs AS (
    SELECT d.company, d.record_key, d.source_kind, d.booked_on, d.bill_on, d.total_amount,
           CASE WHEN d.source_kind = 'purchase_order' THEN d.record_key
                ELSE COALESCE(d.po_record_key, d.record_key) END AS purchase
    FROM bill_drafts d WHERE d.credit IS NOT TRUE
),
billed AS (
    SELECT company, record_key, max(qb_id) AS txn_id
    FROM qbxml_outbox WHERE op = 'BillAdd' AND status = '{request_done}' AND qb_id IS NOT NULL
    GROUP BY company, record_key
)
SELECT x.company, x.purchase, count(*) AS documents,
       string_agg(x.record_key, ', ' ORDER BY x.record_key) AS record_keys,
       count(bl.txn_id) AS bills,
       string_agg(bl.txn_id, ', ' ORDER BY x.record_key) AS bill_txn_ids,
       sum(CASE WHEN x.booked_on IS NULL AND (x.source_kind = 'invoice' OR x.bill_on = 'po')
                THEN x.total_amount END) AS expected_amount,
       sum(qb.amount_due) AS qb_amount,
       CASE WHEN count(CASE WHEN x.source_kind = 'purchase_order' THEN bl.txn_id END) > 0
                 AND count(CASE WHEN x.source_kind = 'invoice' THEN bl.txn_id END) > 0 THEN 'double_booked'
            WHEN count(bl.txn_id) = 0 THEN 'pending'
            WHEN ABS(COALESCE(sum(qb.amount_due), 0) - COALESCE(sum(CASE WHEN x.booked_on IS NULL
                     AND (x.source_kind = 'invoice' OR x.bill_on = 'po') THEN x.total_amount END), 0)) <= 0.01
                THEN 'booked_once'
            ELSE 'amount_differs'
       END AS status
FROM docs x
LEFT JOIN billed bl ON bl.company = x.company AND bl.record_key = x.record_key
LEFT JOIN qb_bills qb ON qb.company = x.company AND qb.txn_id = bl.txn_id
GROUP BY x.company, x.purchase;

-- Every staged PO and invoice of every company its source feeds, and what became of it: billed (a bill of its own
-- in QuickBooks), credited (a credit memo: a vendor credit in QuickBooks), booked_on_other (on its PO's bill), ordered_only (a PO where the invoice is the bill), held (in
-- quarantine), not_eligible (its status is not billable: source_status says which), or the recon status of its
-- bill on the way (pending, missing_in_quickbooks). The demo's summary and the finance report both count from here.
CREATE OR REPLACE VIEW document_outcomes AS
WITH staged AS (
    SELECT source_system, 'purchase_order' AS source_kind, 'po' AS key_kind, source_id, po_number AS document_number,
           status, total_amount
    FROM stg_purchase_orders
    UNION ALL
    SELECT source_system, 'invoice', 'invoice', source_id, invoice_number, status, total_amount FROM stg_invoices
),
fed AS (SELECT DISTINCT company, source_system FROM company_feeds),
-- booked, then cancelled at the source (no draft any more): its bill voided, or held with the reason
booked AS (
    SELECT company, record_key, bool_or(op = 'TxnVoid') AS voided
    FROM qbxml_outbox WHERE op IN ('BillAdd', 'TxnVoid') AND status = '{request_done}'
    GROUP BY company, record_key HAVING bool_or(op = 'BillAdd')
),
cancel_held AS (
    SELECT company, record_key, string_agg(check_name || ': ' || reason, ' | ' ORDER BY check_name) AS reason
    FROM quarantine WHERE check_name = 'cancelled_after_booking' AND released_at IS NULL
    GROUP BY company, record_key
)
SELECT f.company, s.source_system, s.source_kind, s.source_id, s.document_number, s.status AS source_status,
       s.total_amount, d.record_key, COALESCE(r.quarantine_reason, h.reason) AS quarantine_reason,
       CASE WHEN d.record_key IS NULL AND b.voided THEN 'voided'
            WHEN d.record_key IS NULL AND h.reason IS NOT NULL THEN 'held'
            WHEN d.record_key IS NULL AND b.record_key IS NOT NULL THEN 'pending'
            WHEN d.record_key IS NULL THEN 'not_eligible'
            WHEN r.status = 'quarantined' THEN 'held'
            WHEN d.booked_on IS NOT NULL THEN 'booked_on_other'
            WHEN d.source_kind = 'purchase_order' AND d.bill_on = 'invoice' THEN 'ordered_only'
            WHEN r.status IN ('matched', 'amount_differs') AND d.credit THEN 'credited'
            WHEN r.status IN ('matched', 'amount_differs') THEN 'billed'
            ELSE r.status
       END AS outcome
FROM staged s
JOIN fed f ON f.source_system = s.source_system
LEFT JOIN bill_drafts d ON d.company = f.company AND d.source_system = s.source_system
    AND d.source_kind = s.source_kind AND d.source_id = s.source_id
LEFT JOIN recon_documents r ON r.company = d.company AND r.record_key = d.record_key
LEFT JOIN booked b ON d.record_key IS NULL AND b.company = f.company
    AND b.record_key = s.source_system || ':' || s.key_kind || ':' || s.source_id
LEFT JOIN cancel_held h ON d.record_key IS NULL AND h.company = f.company AND h.record_key = b.record_key;
