-- Procurify vendors -> stg_suppliers. Inactive (and deleted, which Procurify moves to the inactive list) stay staged
-- as inactive; `external_id` is what Procurify holds for the vendor in the accounting system.
SELECT
    h.source_id,
    nullif(trim(h.external_id), '') AS supplier_number,
    coalesce(trim(h.name), '') AS supplier_name,
    CAST(NULL AS TEXT) AS tax_id,
    CAST(NULL AS TEXT) AS email,
    nullif(h.phone, '') AS phone,
    nullif(h.street1, '') AS address_line1,
    nullif(h.street2, '') AS address_line2,
    nullif(h.city, '') AS city,
    nullif(h.state, '') AS state,
    nullif(h.postal_code, '') AS postal_code,
    nullif(h.country, '') AS country,
    coalesce(h.active, 'true') = 'true' AS is_active,
    {timestamp:h.date_modified} AS source_updated_at
FROM {docs} h
