-- Procurify AP bills -> stg_invoices, bill items -> stg_invoice_lines with the PO each item bills (its number, by
-- which staging links the bill to the PO). Status 0 draft, 1 confirmed, 2 approved, 3 denied, 4 paid, 5 withdrawn,
-- 6 payment confirmed, 7 payment approved, 8 payment limbo.
SELECT
    h.source_id,
    coalesce(h.number, '') AS invoice_number,
    h.vendor_id AS supplier_source_id,
    CASE h.status WHEN '0' THEN 'draft' WHEN '1' THEN 'confirmed' WHEN '2' THEN 'approved' WHEN '3' THEN 'denied'
        WHEN '4' THEN 'paid' WHEN '5' THEN 'withdrawn' WHEN '6' THEN 'payment_confirmed'
        WHEN '7' THEN 'payment_approved' WHEN '8' THEN 'payment_limbo'
        ELSE 'status ' || coalesce(h.status, 'unknown') END AS status,
    h.currency,
    {date:h.invoice_date} AS invoice_date,
    {date:h.due_date} AS due_date,
    {decimal:h.total} AS total_amount,
    coalesce({int:h.version}, 1) AS source_version,
    {timestamp:h.last_modified} AS source_updated_at
FROM {docs} h;

SELECT
    l.doc_id,
    {int:l.line_num} AS line_seq,
    {int:l.line_num} AS line_ref,
    l.description,
    {decimal5:l.quantity} AS quantity,
    CAST(NULL AS DECIMAL(18,5)) AS unit_price,
    {decimal:l.total} AS line_amount,
    nullif(l.account_code, '') AS account_code,
    CASE WHEN l.department IS NOT NULL THEN coalesce(l.location || ' / ', '') || l.department END AS cost_centre,
    CAST(NULL AS TEXT) AS tax_code,
    nullif(l.po_number, '') AS po_number
FROM {lines} l
