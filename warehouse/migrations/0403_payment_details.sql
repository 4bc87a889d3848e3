-- A payment can pay several invoices: each of its details names an invoice and the share of the payment that
-- goes to it. stg_payment_details keeps them, one row per detail, so the
-- BillPaymentCheckAdd applies each share to that invoice's bill; stg_payments.invoice_source_id stays the first.
-- recon_payments (views.sql) reconciles per (company, payment) over every detail's bill.
-- (No semicolons inside statements: the migration runner splits on them.)

CREATE TABLE IF NOT EXISTS stg_payment_details (
    source_system       TEXT NOT NULL,
    payment_source_id   TEXT NOT NULL,
    line_number         INTEGER NOT NULL,
    detail_id           TEXT,
    invoice_source_id   TEXT,
    amount              DECIMAL(18,2),
    PRIMARY KEY (source_system, payment_source_id, line_number)
);
