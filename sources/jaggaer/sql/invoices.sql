-- JAGGAER invoice receipts -> stg_invoices (keyed by supplier / invoice number / PO; the supplier's invoice number
-- is the bill's, else JAGGAER's own), then their lines -> stg_invoice_lines: each line at quantity x unit price,
-- and the header's charges (tax, shipping, handling, less discount) as lines of the source account codes TAX,
-- SHIPPING, HANDLING and DISCOUNT, so the lines add up to the invoice total. A credit memo (amounts below zero, as
-- JAGGAER states them) is status CreditMemo once its workflow is Completed (a vendor credit), else CreditMemo <workflow>.
SELECT
    h.source_id,
    coalesce(nullif(h.number, ''), h.internal_number, '') AS invoice_number,
    coalesce(h.supplier_id, h.supplier_internal_id) AS supplier_source_id,
    CASE WHEN h.invoice_type = 'Credit memo' THEN 'CreditMemo' || CASE WHEN h.workflow = 'Completed' THEN ''
        ELSE ' ' || coalesce(h.workflow, '') END ELSE h.workflow END AS status,
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
    {decimal5:l.price} AS unit_price,
    CAST(round({decimal5:l.quantity} * {decimal5:l.price}, 2) AS DECIMAL(18,2)) AS line_amount,
    l.account_code,
    l.cost_centre,
    CAST(NULL AS TEXT) AS tax_code,
    l.po_number,
    l.po_line_number
FROM {lines} l
UNION ALL
SELECT c.source_id, 100000 + c.seq, c.seq, c.label, CAST(NULL AS DECIMAL(18,5)), CAST(NULL AS DECIMAL(18,5)),
    c.amount, c.code, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)
FROM (
    SELECT h.source_id, 1 AS seq, 'Tax' AS label, 'TAX' AS code,
        coalesce({decimal:h.tax1}, 0) + coalesce({decimal:h.tax2}, 0) AS amount FROM {docs} h
    UNION ALL SELECT h.source_id, 2, 'Shipping', 'SHIPPING', {decimal:h.shipping} FROM {docs} h
    UNION ALL SELECT h.source_id, 3, 'Handling', 'HANDLING', {decimal:h.handling} FROM {docs} h
    UNION ALL SELECT h.source_id, 4, 'Discount', 'DISCOUNT', -{decimal:h.discount} FROM {docs} h
) c
WHERE c.amount IS NOT NULL AND c.amount <> 0
    AND EXISTS (SELECT 1 FROM {lines} l WHERE l.doc_id = c.source_id)
