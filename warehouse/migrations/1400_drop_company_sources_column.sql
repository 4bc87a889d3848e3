-- companies.sources (a comma-separated list matched with LIKE) was replaced by company_sources in 0600 and is no
-- longer read or written: drop it, so its old default cannot suggest which system a company is fed by.
ALTER TABLE companies DROP COLUMN IF EXISTS sources;
