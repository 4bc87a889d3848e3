-- Which source instances feed each company, and the company's procure-to-pay policy for each: replaces the
-- comma-separated companies.sources (no longer read). A company fed by two tenants of one system has two rows.
-- Policy columns left NULL take the source's declared defaults (warehouse.company_sources.fill_defaults, run after
-- every migration).
CREATE TABLE IF NOT EXISTS company_sources (
    company             TEXT NOT NULL,
    source_system       TEXT NOT NULL,             -- a declared source (sources/<name>/declaration.py)
    source_instance     TEXT NOT NULL DEFAULT 'default',  -- the tenant, when a company is fed by more than one
    bill_on             TEXT,                      -- po | invoice
    invoice_difference  TEXT,                      -- adjust | hold
    vendor_policy       TEXT,                      -- create | review
    vendor_sync         TEXT,                      -- all | on_demand
    PRIMARY KEY (company, source_system, source_instance)
);

INSERT INTO company_sources (company, source_system, source_instance)
SELECT DISTINCT c.company, trim(s.value), 'default'
FROM companies c, unnest({split}(c.sources, ',')) AS s(value)
WHERE trim(s.value) <> ''
ON CONFLICT DO NOTHING;
