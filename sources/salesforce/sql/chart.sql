-- The chart of accounts for the QB_Account__c custom object, deleted accounts inactive (parameters: company,
-- company again).
SELECT a.list_id, a.full_name, a.account_type, a.account_number, NOT coalesce(a.is_active, TRUE) AS inactive, FALSE AS deleted
FROM qb_accounts a WHERE a.company = ?
UNION ALL
SELECT d.object_id, d.ref_or_name, NULL, NULL, TRUE, TRUE
FROM qb_deleted d
WHERE d.company = ? AND d.del_type = 'Account'
  AND NOT EXISTS (SELECT 1 FROM qb_accounts a WHERE a.company = d.company AND a.list_id = d.object_id)
