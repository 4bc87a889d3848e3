-- The bridge's per-call lookups: a batch's rows when its answer arrives, and a company's sendable rows.
CREATE INDEX IF NOT EXISTS qbxml_outbox_batch ON qbxml_outbox (batch_id);
CREATE INDEX IF NOT EXISTS qbxml_outbox_company_status ON qbxml_outbox (company, status);
