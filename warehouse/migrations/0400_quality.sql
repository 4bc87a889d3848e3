-- Data-check history: one measurement per check run, so a check can compare this run with the previous one.
CREATE SEQUENCE IF NOT EXISTS data_check_metrics_id_seq;
CREATE TABLE IF NOT EXISTS data_check_metrics (
    metric_id           BIGINT PRIMARY KEY DEFAULT nextval('data_check_metrics_id_seq'),
    check_name          TEXT NOT NULL,             -- e.g. volume_change
    subject             TEXT NOT NULL,             -- e.g. raw_acme_purchase_orders
    value               DOUBLE PRECISION NOT NULL, -- e.g. rows landed since the previous measurement
    measured_at         TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS data_check_metrics_subject ON data_check_metrics (check_name, subject, measured_at);
CREATE INDEX IF NOT EXISTS quarantine_open ON quarantine (company, released_at);
