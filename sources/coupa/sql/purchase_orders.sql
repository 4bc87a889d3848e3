-- Coupa purchase orders -> stg_purchase_orders (the total is the sum of the lines); lines: document_lines.sql.
SELECT
    h.source_id,
    coalesce(h.number, '') AS po_number,
    h.supplier_id AS supplier_source_id,
    h.status,
    h.currency,
    {date:h.created_at} AS order_date,
    coalesce({int:h.version}, 1) AS source_version,
    {timestamp:h.updated_at} AS source_updated_at
FROM {docs} h
