-- Procurify purchase orders -> stg_purchase_orders, order items -> stg_po_lines. State 0 purchased, 1 cancelled,
-- 3 closed, 4 paid, 5 reopened; a PO closed with nothing received was never delivered and counts as cancelled.
-- Each item's budget names its account code and its department (at a location): "Location / Department" is the
-- cost centre that maps to a QuickBooks class.
SELECT
    h.source_id,
    coalesce(h.number, '') AS po_number,
    h.vendor_id AS supplier_source_id,
    CASE h.state WHEN '0' THEN 'purchased' WHEN '1' THEN 'cancelled'
        WHEN '3' THEN CASE WHEN h.fulfilment = 'empty' THEN 'cancelled' ELSE 'closed' END
        WHEN '4' THEN 'paid' WHEN '5' THEN 'reopened' ELSE 'state ' || coalesce(h.state, 'unknown') END AS status,
    h.currency,
    {date:h.date} AS order_date,
    coalesce({int:h.version}, 1) AS source_version,
    {timestamp:h.last_modified} AS source_updated_at
FROM {docs} h;

SELECT
    l.doc_id,
    coalesce({int:l.line_num}, {int:l.line_id}) AS line_seq,
    {int:l.line_id} AS line_ref,
    l.description,
    {decimal5:l.quantity} AS quantity,
    {decimal5:l.price} AS unit_price,
    {decimal:l.total} AS line_amount,
    nullif(l.account_code, '') AS account_code,
    CASE WHEN l.department IS NOT NULL THEN coalesce(l.location || ' / ', '') || l.department END AS cost_centre,
    CAST(NULL AS TEXT) AS tax_code,
    nullif(l.item_code, '') AS item_code
FROM {lines} l
