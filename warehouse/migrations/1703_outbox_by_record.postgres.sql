-- PostgreSQL only: the outbox by record key. The data checks and the cancellation rules ask, per draft
-- or per booked bill, whether the same record has a BillAdd or a TxnVoid ("EXISTS ... o.record_key = b.record_key");
-- without this index each such probe read every row of the company's status, so at 10,000 records the
-- cancelled-after-booking check visited ~400 million rows. DuckDB decorrelates those probes into hash joins.
CREATE INDEX IF NOT EXISTS qbxml_outbox_record ON qbxml_outbox (record_key);
