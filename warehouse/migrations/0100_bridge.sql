-- Bridge state: what each outbox row will send next and what its last batch carried; session batch tracking.
-- No index on status/batch_id: DuckDB turns updates of indexed columns into delete+insert, which trips its
-- primary-key check inside one transaction.
-- next_action / sent_action: send (the request itself), lookup (find an Add whose outcome is unknown or whose
-- name is taken), requery (fetch a fresh EditSequence before a Mod), continue (next page of an iterator).
ALTER TABLE qbxml_outbox ADD COLUMN next_action TEXT;
ALTER TABLE qbxml_outbox ADD COLUMN sent_action TEXT;
ALTER TABLE qbxml_outbox ADD COLUMN iterator_id TEXT;
ALTER TABLE qbxml_outbox ADD COLUMN iterator_ticket TEXT;
ALTER TABLE qbxml_outbox ADD COLUMN watermark TEXT;
ALTER TABLE qbwc_sessions ADD COLUMN batch_id TEXT;
ALTER TABLE qbwc_sessions ADD COLUMN client_version TEXT;
