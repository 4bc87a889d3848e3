-- Every staged Basware invoice is acknowledged once per version Basware sent (lastUpdated): the acknowledge takes
-- it out of the WaitingForTransfer list; an invoice sent again after a fix is acknowledged again.
SELECT
    {invoice_key} AS record_key,
    i.source_id AS invoice_id,
    {iso_updated} AS last_updated
FROM stg_invoices i
WHERE i.source_system = {system}
