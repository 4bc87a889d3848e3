-- The session whose query answer gave a Mod its EditSequence: a Mod goes out only with an EditSequence QuickBooks
-- returned in the same session (read by a query one message earlier), never one from a stale mirror.
ALTER TABLE qbxml_outbox ADD COLUMN IF NOT EXISTS edit_sequence_ticket TEXT;
