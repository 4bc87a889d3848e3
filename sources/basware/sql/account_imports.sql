-- The QuickBooks chart of accounts of every company Basware feeds -> Basware accounts for invoice coding
-- (externalCode = the ListID; the code is the account number, else the name). Inactive accounts go as inactive.
SELECT
    {system} || ':account:' || a.list_id AS record_key,
    a.list_id AS external_code,
    substr(coalesce(nullif(a.account_number, ''), a.full_name), 1, 25) AS code,
    a.full_name AS name,
    coalesce(a.is_active, true) AS active,
    CAST(NULL AS TEXT) AS address_line1,
    CAST(NULL AS TEXT) AS city,
    CAST(NULL AS TEXT) AS postal_code
FROM qb_accounts a
WHERE a.company IN (SELECT company FROM company_feeds WHERE source_system = {system})
