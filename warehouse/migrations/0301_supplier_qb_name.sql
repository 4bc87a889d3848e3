-- The supplier's name as QuickBooks can store it (Latin-1, at most 41 characters), set by the staging asset.
ALTER TABLE stg_suppliers ADD COLUMN IF NOT EXISTS qb_name TEXT;
