-- Coupa order-lines and invoice-lines -> stg_po_lines / stg_invoice_lines (each takes the columns it has: an
-- invoice line names its PO by po-number, else order-header-num; a PO line its item).
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
    l.tax_code,
    l.item_code,
    coalesce(l.po_number, l.order_header_num) AS po_number
FROM {lines} l
