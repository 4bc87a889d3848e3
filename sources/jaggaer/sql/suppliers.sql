-- JAGGAER suppliers -> stg_suppliers, keyed by supplier number (else JAGGAER's id): what invoices and POs name.
SELECT
    h.source_id,
    coalesce(h.number, h.source_id) AS supplier_number,
    coalesce(trim(h.name), '') AS supplier_name,
    CAST(NULL AS TEXT) AS tax_id,
    h.email,
    h.phone,
    h.street1 AS address_line1,
    h.street2 AS address_line2,
    h.city,
    h.state,
    h.postal_code,
    h.country,
    coalesce(h.status, 'Active') NOT IN ('Inactive', 'Deleted') AS is_active,
    {timestamp:h.last_modified} AS source_updated_at
FROM {docs} h
