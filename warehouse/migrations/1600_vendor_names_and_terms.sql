-- Vendors kept in step by name and terms too.
-- vendor_names: keep (QuickBooks keeps the name it has: renaming a vendor is an accountant's decision) | follow
--   (a supplier renamed at the source renames its QuickBooks vendor).
-- stg_suppliers.terms: the supplier's payment terms as the source names them; terms_mappings names the QuickBooks
--   terms (StandardTerms/DateDrivenTerms FullName) each stands for. Unmapped terms are not sent: QuickBooks refuses
--   a TermsRef that names no terms in the company file.
ALTER TABLE company_sources ADD COLUMN IF NOT EXISTS vendor_names TEXT DEFAULT 'keep';
ALTER TABLE stg_suppliers ADD COLUMN IF NOT EXISTS terms TEXT;

CREATE TABLE IF NOT EXISTS terms_mappings (
    company             TEXT NOT NULL,
    source_system       TEXT NOT NULL,
    source_terms        TEXT NOT NULL,
    qb_terms_name       TEXT NOT NULL,
    PRIMARY KEY (company, source_system, source_terms)
);
