-- Messages paced by QuickBooks (qbwc_bridge/pacing.py): per session, QuickBooks seconds per request by request type
-- (JSON text, carried from a company's last session into its next), and when the outstanding message went out and
-- which request types it holds (JSON text: type -> count), to learn from its answer.
ALTER TABLE qbwc_sessions ADD COLUMN IF NOT EXISTS qb_seconds TEXT;
ALTER TABLE qbwc_sessions ADD COLUMN IF NOT EXISTS batch_sent_at TIMESTAMP;
ALTER TABLE qbwc_sessions ADD COLUMN IF NOT EXISTS batch_ops TEXT;
