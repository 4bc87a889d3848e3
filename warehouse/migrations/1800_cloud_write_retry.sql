-- A cloud write whose target kept failing for a while (429, 5xx, timeouts through every retry of a run) waits for a
-- later run instead of failing for good: when it may go again. A write the target refuses stays failed.
ALTER TABLE cloud_outbox ADD COLUMN IF NOT EXISTS next_attempt_at TIMESTAMP;
