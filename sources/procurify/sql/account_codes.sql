-- Procurify account codes -> stg_accounts (account_type 0 assets, 1 liability, 2 expense, 3 income, 4 equity, 5 other).
SELECT
    h.source_id,
    coalesce(h.code, '') AS account_code,
    h.description AS account_name,
    CASE h.type WHEN '0' THEN 'asset' WHEN '1' THEN 'liability' WHEN '2' THEN 'expense' WHEN '3' THEN 'income'
        WHEN '4' THEN 'equity' ELSE 'other' END AS account_type,
    coalesce(h.active, 'true') = 'true' AS is_active,
    CAST(NULL AS TIMESTAMP) AS source_updated_at
FROM {docs} h
