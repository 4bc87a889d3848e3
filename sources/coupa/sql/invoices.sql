-- Coupa invoices -> stg_invoices; lines: document_lines.sql.
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
FROM {docs} h
