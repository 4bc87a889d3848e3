-- Pipeline state owned by the Dagster assets: per-company payment settings and export marks.

-- The QuickBooks bank account bill payments are drawn on (FullName); NULL lets QuickBooks use its default.
ALTER TABLE companies ADD COLUMN IF NOT EXISTS payment_bank_account TEXT;

-- Which document version we told the source system is exported (e.g. an `exported=true` flag), and when.
CREATE TABLE IF NOT EXISTS source_exports (
    source_system       TEXT NOT NULL,
    record_key          TEXT NOT NULL,             -- e.g. acme:po:4711
    source_kind         TEXT NOT NULL,             -- purchase_order | invoice | payment
    source_id           TEXT NOT NULL,
    source_version      INTEGER NOT NULL,
    exported_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (source_system, record_key)
);
