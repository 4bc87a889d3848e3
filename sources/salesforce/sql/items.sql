-- The QuickBooks items as Product2 with a standard PricebookEntry each, and deleted items as inactive
-- (parameters: company, company again).
SELECT i.list_id, i.full_name, i.description, i.price, NOT coalesce(i.is_active, TRUE) AS inactive, FALSE AS deleted
FROM qb_items i WHERE i.company = ?
UNION ALL
SELECT d.object_id, d.ref_or_name, NULL, NULL, TRUE, TRUE
FROM qb_deleted d
WHERE d.company = ? AND d.del_type LIKE 'Item%'
  AND NOT EXISTS (SELECT 1 FROM qb_items i WHERE i.company = d.company AND i.list_id = d.object_id)
