-- QuickBooks reads a modified-date filter without an offset as local time of the machine running the company file.
-- time_zone: that machine's IANA zone when an operator sets it; else qb_clock holds the UTC offset QuickBooks itself
-- reported on the newest TimeModified/TimeDeleted folded for the company.
ALTER TABLE companies ADD COLUMN IF NOT EXISTS time_zone TEXT;

CREATE TABLE IF NOT EXISTS qb_clock (
    company             TEXT PRIMARY KEY,
    utc_offset_minutes  INTEGER NOT NULL,          -- e.g. -480 for "-08:00"
    observed_at         TIMESTAMP NOT NULL         -- the UTC time that carried it
);
