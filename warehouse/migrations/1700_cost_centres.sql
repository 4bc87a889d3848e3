-- A source's cost centres (Procurify's departments at their locations), keyed as its document lines name them: what
-- `qbsync mappings unmapped cost-centres` offers for mapping onto QuickBooks classes before any document uses them.
CREATE TABLE IF NOT EXISTS stg_cost_centres (
    source_system       TEXT NOT NULL,
    source_id           TEXT NOT NULL,
    cost_centre         TEXT NOT NULL,
    cost_centre_name    TEXT,
    is_active           BOOLEAN NOT NULL DEFAULT TRUE,
    source_updated_at   TIMESTAMP,
    staged_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (source_system, source_id)
);
