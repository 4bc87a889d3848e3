-- Verified webhook deliveries waiting for a sensor to turn them into incremental pulls (connectors.webhooks).
CREATE TABLE IF NOT EXISTS webhook_events (
    event_id            TEXT PRIMARY KEY,          -- the sender's delivery id (a second delivery with it is a replay)
    source              TEXT NOT NULL,             -- a declared source system
    event_type          TEXT,                      -- e.g. purchase_order.updated
    object_type         TEXT,                      -- e.g. purchase_order
    object_id           TEXT,                      -- the source's id of the object
    received_at         TIMESTAMP NOT NULL,
    consumed_at         TIMESTAMP,                 -- set when a run has been requested for it
    payload             {json} NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_events_pending ON webhook_events (source, consumed_at);
