-- Every settled outbox row carries settled_at (outbox.LIVE): superseded rows and those a company's removal failed
-- had none until now.
UPDATE qbxml_outbox SET settled_at = updated_at
WHERE settled_at IS NULL AND status IN ('done', 'failed', 'superseded');
