-- DuckDB only: the bridge's lookups of the outbox by batch, by company and status and by the batch of an open Add
-- scan instead (zone maps skip the history: batch ids grow with time, rows are stored in queue order). DuckDB
-- rewrites a row whose indexed column changes as a delete and an insert of the whole row, payload and all, and
-- every claim and every answer changes status and batch_id: the indexes cost three times what they save.
-- PostgreSQL keeps them (0500, 0710).
DROP INDEX IF EXISTS qbxml_outbox_batch;
DROP INDEX IF EXISTS qbxml_outbox_company_status;
DROP INDEX IF EXISTS qbxml_outbox_add_batch;
