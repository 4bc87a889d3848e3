-- Coupa suppliers (R39) -> stg_suppliers. {docs} h holds the declared payload fields as text.
SELECT
    h.source_id,
    h.number AS supplier_number,
    coalesce(trim(h.name), '') AS supplier_name,
    h.tax_id,
    h.email,
    h.phone,
    h.street1 AS address_line1,
    h.street2 AS address_line2,
    h.city,
    h.state,
    h.postal_code,
    h.country,
    coalesce(h.status, 'active') = 'active' AS is_active,
    {timestamp:h.updated_at} AS source_updated_at,
    h.payment_term AS terms
FROM {docs} h
