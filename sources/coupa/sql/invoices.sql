-- Coupa invoices -> stg_invoices, then invoice-lines -> stg_invoice_lines (po-number, else order-header-num).
SELECT
    h.source_id,
    coalesce(h.number, '') AS invoice_number,
    h.supplier_id AS supplier_source_id,
    h.status,
    h.currency,
    {date:h.invoice_date} AS invoice_date,
    {date:h.due_date} AS due_date,
    {decimal:h.gross_total} AS total_amount,
    coalesce({int:h.version}, 1) AS source_version,
    {timestamp:h.updated_at} AS source_updated_at
FROM {docs} h;

SELECT
    l.doc_id,
    {int:l.line_num} AS line_seq,
    {int:l.line_id} AS line_ref,
    l.description,
    {decimal5:l.quantity} AS quantity,
    {decimal5:l.price} AS unit_price,
    coalesce({decimal:l.total}, CAST(round({decimal5:l.quantity} * {decimal5:l.price}, 2) AS DECIMAL(18,2))) AS line_amount,
    l.account_code,
    l.cost_centre,
    coalesce(l.po_number, l.order_header_num) AS po_number
FROM {lines} l
