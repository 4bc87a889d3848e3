-- Basware vendors -> stg_suppliers, keyed by vendorCode (what an invoice's supplierCode names). Vendors imported
-- from QuickBooks carry its ListID as externalCode and keep the QuickBooks name.
SELECT
    h.source_id,
    h.source_id AS supplier_number,
    coalesce(trim(h.name), '') AS supplier_name,
    CAST(NULL AS TEXT) AS tax_id,
    CAST(NULL AS TEXT) AS email,
    CAST(NULL AS TEXT) AS phone,
    CAST(NULL AS TEXT) AS address_line1,
    CAST(NULL AS TEXT) AS address_line2,
    CAST(NULL AS TEXT) AS city,
    CAST(NULL AS TEXT) AS state,
    CAST(NULL AS TEXT) AS postal_code,
    CAST(NULL AS TEXT) AS country,
    true AS is_active,
    {timestamp:h.last_updated} AS source_updated_at
FROM {docs} h
