-- JAGGAER purchase orders -> stg_purchase_orders (the total is the sum of the lines), then their lines at quantity
-- x unit price -> stg_po_lines (the item number is the catalog number, when there is one).
SELECT
    h.source_id,
    coalesce(h.number, '') AS po_number,
    coalesce(h.supplier_id, h.supplier_internal_id) AS supplier_source_id,
    h.status,
    h.currency,
    {date:h.order_date} AS order_date,
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
    l.item_code
FROM {lines} l
