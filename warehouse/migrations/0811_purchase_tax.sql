-- Purchase tax (Canadian and UK editions): each document line's source tax code, and per company the mapping of
-- source tax codes onto the QuickBooks sales tax codes of its company file.
CREATE TABLE IF NOT EXISTS tax_code_mappings (
    company             TEXT NOT NULL,
    source_system       TEXT NOT NULL,
    source_tax_code     TEXT NOT NULL,
    qb_sales_tax_code   TEXT NOT NULL,             -- QuickBooks sales tax code name ("H", "S", ...)
    PRIMARY KEY (company, source_system, source_tax_code)
);
ALTER TABLE stg_po_lines ADD COLUMN IF NOT EXISTS tax_code TEXT;
ALTER TABLE stg_invoice_lines ADD COLUMN IF NOT EXISTS tax_code TEXT;
ALTER TABLE bill_draft_lines ADD COLUMN IF NOT EXISTS tax_code TEXT;  -- as in the source
-- the mapped QuickBooks code; NULL where the company's edition takes no purchase tax or the code is unmapped
ALTER TABLE bill_draft_lines ADD COLUMN IF NOT EXISTS qb_sales_tax_code TEXT;
