-- Coupa purchase orders -> stg_purchase_orders (the total is the sum of the lines), then order-lines -> stg_po_lines.
SELECT
    h.source_id,
    coalesce(h.number, '') AS po_number,
    h.supplier_id AS supplier_source_id,
    h.status,
    h.currency,
    {date:h.created_at} AS order_date,
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
    l.item_code
FROM {lines} l
