-- QuickBooks vendors of every company Basware feeds -> Basware vendors (externalCode = the QuickBooks ListID). The
-- vendor code is the Basware supplier code a vendor we created from a Basware supplier came from (its AccountNumber
-- stamp <SYSTEM>-<code>), else the ListID. Inactive vendors go as inactive.
SELECT
    {system} || ':vendor:' || v.list_id AS record_key,
    v.list_id AS external_code,
    CASE WHEN v.account_number LIKE upper({system}) || '-%' THEN substr(v.account_number, length({system}) + 2)
         ELSE v.list_id END AS code,
    v.vendor_name AS name,
    coalesce(v.is_active, true) AS active,
    v.address_line1,
    v.city,
    v.postal_code
FROM qb_vendors v
WHERE v.company IN (SELECT company FROM company_sources WHERE source_system = {system})
