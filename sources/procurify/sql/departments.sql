-- Procurify departments -> stg_cost_centres. A department belongs to one location (its `branch`); the cost centre is
-- "Location / Department", as each order item's budget names it (purchase_orders.sql), and maps to a QuickBooks class.
SELECT
    h.source_id,
    coalesce(h.location || ' / ', '') || coalesce(trim(h.name), '') AS cost_centre,
    trim(h.name) AS cost_centre_name,
    coalesce(h.active, 'true') = 'true' AS is_active,
    CAST(NULL AS TIMESTAMP) AS source_updated_at
FROM {docs} h
