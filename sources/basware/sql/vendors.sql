-- Basware vendors -> stg_suppliers, keyed by vendorCode (what an invoice's supplierCode names). supplier_number is
-- the vendor's externalCode: a vendor imported from QuickBooks carries its ListID there (and as vendorCode), which
-- vendor matching takes before the name. The address is the vendor's default address, else its first postal one.
SELECT
    h.source_id,
    coalesce(nullif(trim(h.external_code), ''), h.source_id) AS supplier_number,
    coalesce(trim(h.name), '') AS supplier_name,
    CAST(NULL AS TEXT) AS tax_id,
    CAST(NULL AS TEXT) AS email,
    CAST(NULL AS TEXT) AS phone,
    a.line1 AS address_line1,
    a.line2 AS address_line2,
    a.city,
    a.state,
    a.postal AS postal_code,
    a.country,
    true AS is_active,
    {timestamp:h.last_updated} AS source_updated_at
FROM {docs} h
LEFT JOIN (
    SELECT l.doc_id, l.line1, l.line2, l.city, l.state, l.postal, l.country,
           row_number() OVER (PARTITION BY l.doc_id ORDER BY
               CASE WHEN lower(coalesce(l.is_default, '')) = 'true' THEN 0
                    WHEN l.kind = 'PostalAddress' THEN 1 ELSE 2 END, l.line1) AS pick
    FROM {lines} l
    WHERE nullif(trim(l.line1), '') IS NOT NULL
) a ON a.doc_id = h.source_id AND a.pick = 1
