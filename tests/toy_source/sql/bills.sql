-- Toy bills -> stg_invoices, then their lines -> stg_invoice_lines.
SELECT
    h.source_id,
    coalesce(h.ref, '') AS invoice_number,
    h.vendor AS supplier_source_id,
    h.state AS status,
    'USD' AS currency,
    {date:h.date} AS invoice_date,
    CAST(NULL AS DATE) AS due_date,
    {decimal:h.amount} AS total_amount,
    1 AS source_version,
    {timestamp:h.modified} AS source_updated_at
FROM {docs} h;

SELECT
    l.doc_id,
    {int:l.line_num} AS line_seq,
    0 AS line_ref,
    l.text AS description,
    {decimal5:l.qty} AS quantity,
    {decimal5:l.unit} AS unit_price,
    CAST(round({decimal5:l.qty} * {decimal5:l.unit}, 2) AS DECIMAL(18,2)) AS line_amount,
    l.gl AS account_code,
    NULL AS cost_centre,
    NULL AS tax_code,
    NULL AS po_number
FROM {lines} l
