-- QuickBooks vendors of every company Basware feeds -> Basware vendors (externalCode and vendorCode = the QuickBooks
-- ListID). A vendor qbsync created from a Basware supplier (AccountNumber stamp <SYSTEM>-<code>) came from Basware
-- and is not sent back. Inactive vendors go as inactive.
SELECT
    {system} || ':vendor:' || v.list_id AS record_key,
    v.list_id AS external_code,
    v.list_id AS code,
    v.vendor_name AS name,
    coalesce(v.is_active, true) AS active,
    v.address_line1,
    v.city,
    v.postal_code
FROM qb_vendors v
WHERE v.company IN (SELECT company FROM company_feeds WHERE source_system = {system})
    AND coalesce(v.account_number, '') NOT LIKE upper({system}) || '-%'
