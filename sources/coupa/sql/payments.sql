-- Coupa Pay payments -> stg_payments, then payment-details -> stg_payment_details. The invoice a detail pays is
-- its payable-id (the invoice id), else its source transaction; the header keeps the first of them.
SELECT
    h.source_id,
    coalesce(h.payee_supplier_id, h.payee_id) AS supplier_source_id,
    (SELECT min(coalesce(l.payable_id, l.source_transaction_id)) FROM {lines} l WHERE l.doc_id = h.source_id)
        AS invoice_source_id,
    {date:coalesce(h.released_at, h.execution_date, h.created_at)} AS payment_date,
    {decimal:h.total} AS amount,
    h.currency,
    coalesce(h.transfer_type, h.type) AS payment_method,
    h.identifier AS reference,
    {timestamp:h.updated_at} AS source_updated_at
FROM {docs} h;

SELECT
    l.doc_id,
    {int:l.line_num} AS line_seq,
    {int:l.line_id} AS line_ref,
    l.line_id AS detail_id,
    coalesce(l.payable_id, l.source_transaction_id) AS invoice_source_id,
    {decimal:l.payment_total} AS amount
FROM {lines} l
