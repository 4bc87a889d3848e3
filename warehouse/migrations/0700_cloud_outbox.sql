-- cloud_outbox: one row per intended write to a cloud system (the mirror of qbxml_outbox for the other direction).
-- A write is identified by its idempotency key (what it sets, e.g. acme:po:4711:exported) and the hash of its
-- payload: the same key and hash again is a no-op, a changed payload supersedes the unsent row. States are in
-- warehouse/states.py: pending -> sending -> done | failed; superseded. A row left `sending` by a killed run is
-- read back from the target before it is ever written again. It replaces source_exports (kept, no longer written:
-- a document marked there is not marked again).
CREATE TABLE IF NOT EXISTS cloud_outbox (
    write_id            TEXT PRIMARY KEY,          -- md5 of idempotency_key and payload_hash
    source_system       TEXT NOT NULL,             -- the target system
    record_key          TEXT NOT NULL,             -- the document it is about, e.g. acme:po:4711
    op                  TEXT NOT NULL,             -- what the source's client does, e.g. mark_exported
    target              TEXT NOT NULL,             -- what is written, e.g. purchase_order 4711
    idempotency_key     TEXT NOT NULL,
    payload             TEXT NOT NULL,             -- JSON the client is given
    payload_hash        TEXT NOT NULL,
    status              TEXT NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    sent_at             TIMESTAMP,
    settled_at          TIMESTAMP
);
CREATE INDEX IF NOT EXISTS cloud_outbox_source_status ON cloud_outbox (source_system, status);
CREATE INDEX IF NOT EXISTS cloud_outbox_key ON cloud_outbox (idempotency_key);
