-- Exactly-once bookkeeping for Adds whose outcome is open.
-- external_guid: the ExternalGUID the row's last Add carried (derived from company and dedup key); the lookup after
-- a lost answer takes only the object holding it as ours (a hand-keyed one with our RefNumber is not).
-- add_batch_id: the message that carried the row's last Add while its outcome is not known; a late answer to it is
-- settled, and a lookup that finds nothing re-adds only once QuickBooks is done with that message.
-- qbxml_messages.ended_at: when QuickBooks was known to be done with a message (answered, HRESULT, the Web
-- Connector moved on, closed, or reported a connection error). A silent session's message has none.
ALTER TABLE qbxml_outbox ADD COLUMN IF NOT EXISTS external_guid TEXT;
ALTER TABLE qbxml_outbox ADD COLUMN IF NOT EXISTS add_batch_id TEXT;
ALTER TABLE qbxml_messages ADD COLUMN IF NOT EXISTS ended_at TIMESTAMP;
CREATE INDEX IF NOT EXISTS qbxml_outbox_add_batch ON qbxml_outbox (add_batch_id);
