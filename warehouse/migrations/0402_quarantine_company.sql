-- quarantine keyed by company: a company is one QuickBooks file, and one source record key (acme:po:17) can feed
-- several companies (or two instances of one system can both produce it). Holding or releasing it for one company must
-- not touch another's. company '' is a source-level hold (staging: a field of the source record itself does not
-- parse) and applies to every company the source feeds; readers match q.company IN ('', <company>).
-- DuckDB cannot change a primary key: create the new table, copy, drop, rename. The views that read it are
-- dropped before and re-created after the migrations (views.sql).
-- (No semicolons inside statements: the migration runner splits on them.)

CREATE TABLE quarantine_by_company (
    record_key          TEXT NOT NULL,
    check_name          TEXT NOT NULL,
    field               TEXT,
    reason              TEXT NOT NULL,
    company             TEXT NOT NULL DEFAULT '',  -- '' = a source-level hold for every company the source feeds
    detected_at         TIMESTAMP NOT NULL,
    released_at         TIMESTAMP,
    PRIMARY KEY (company, record_key, check_name)
);

INSERT INTO quarantine_by_company (record_key, check_name, field, reason, company, detected_at, released_at)
SELECT record_key, check_name, field, reason, COALESCE(company, ''), detected_at, released_at FROM quarantine;

DROP INDEX IF EXISTS quarantine_open;
DROP TABLE quarantine;
ALTER TABLE quarantine_by_company RENAME TO quarantine;
CREATE INDEX IF NOT EXISTS quarantine_open ON quarantine (company, released_at);
CREATE INDEX IF NOT EXISTS quarantine_record ON quarantine (record_key);
