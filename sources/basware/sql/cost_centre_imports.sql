-- The cost centres mapped onto QuickBooks classes (cost_centre_mappings) of every company Basware feeds -> Basware
-- cost centres for invoice coding, named by their QuickBooks class (externalCode and costCenterCode = the code).
-- QuickBooks classes are not mirrored, so a mapped cost centre goes as active.
SELECT
    {system} || ':cost_centre:' || m.cost_centre AS record_key,
    m.cost_centre AS external_code,
    m.cost_centre AS code,
    min(m.qb_class_name) AS name,
    true AS active,
    CAST(NULL AS TEXT) AS address_line1,
    CAST(NULL AS TEXT) AS city,
    CAST(NULL AS TEXT) AS postal_code
FROM cost_centre_mappings m
WHERE m.source_system = {system}
    AND m.company IN (SELECT company FROM company_feeds WHERE source_system = {system})
    AND length(m.cost_centre) <= 25
GROUP BY m.cost_centre
