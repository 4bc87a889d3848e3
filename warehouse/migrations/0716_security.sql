-- Security (issue 16): webhook bodies remembered by hash (a replay under a new delivery id is refused), and the
-- authenticate throttle's counters (per Web Connector user, per client address, and the addresses a user logged
-- in from, which the per-user slowdown never holds back).
ALTER TABLE webhook_events ADD COLUMN body_sha256 TEXT;
CREATE INDEX IF NOT EXISTS webhook_events_body ON webhook_events (source, body_sha256);
CREATE TABLE IF NOT EXISTS login_throttle (
    throttle_key        TEXT PRIMARY KEY,          -- user:<name>, addr:<client address> or ok:<name>:<address>
    failures            INTEGER NOT NULL,          -- failed logins since the last success, within the window
    last_at             TIMESTAMP NOT NULL         -- last failure (or, for ok:, last success)
);
