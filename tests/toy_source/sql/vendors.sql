-- Toy vendors -> stg_suppliers.
SELECT
    h.source_id,
    h.source_id AS supplier_number,
    coalesce(trim(h.name), '') AS supplier_name,
    NULL AS tax_id,
    NULL AS email,
    NULL AS phone,
    h.street AS address_line1,
    NULL AS address_line2,
    NULL AS city,
    NULL AS state,
    h.zip AS postal_code,
    'US' AS country,
    coalesce(h.state, 'live') = 'live' AS is_active,
    {timestamp:h.modified} AS source_updated_at
FROM {docs} h
