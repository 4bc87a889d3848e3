-- Coupa accounts (GL segment combinations) -> stg_accounts.
SELECT
    h.source_id,
    coalesce(h.code, '') AS account_code,
    h.name AS account_name,
    h.type AS account_type,
    coalesce(h.active, 'true') = 'true' AS is_active,
    {timestamp:h.updated_at} AS source_updated_at
FROM {docs} h
