-- Basware accounting documents -> stg_invoices, then their coding rows -> stg_invoice_lines. Amounts are net:
-- each coding row carries its tax code, and QuickBooks files that track purchase tax add the tax from the mapped
-- code. A coding row names the matched order line's description when it is PO-based, else its account.
SELECT
    h.source_id,
    coalesce(h.number, '') AS invoice_number,
    h.supplier_code AS supplier_source_id,
    h.status,
    h.currency,
    {date:h.invoice_date} AS invoice_date,
    {date:h.due_date} AS due_date,
    {decimal:h.net_sum} AS total_amount,
    1 AS source_version,
    {timestamp:h.last_updated} AS source_updated_at
FROM {docs} h;

SELECT
    l.doc_id,
    {int:l.line_num} AS line_seq,
    {int:l.line_num} AS line_ref,
    coalesce(nullif(l.description, ''), l.account_name) AS description,
    CAST(NULL AS DECIMAL(18,5)) AS quantity,
    CAST(NULL AS DECIMAL(18,5)) AS unit_price,
    {decimal:l.netTotal} AS line_amount,
    nullif(l.account_code, '') AS account_code,
    nullif(l.cost_centre, '') AS cost_centre,
    nullif(l.tax_code, '') AS tax_code,
    nullif(l.po_number, '') AS po_number
FROM {lines} l
