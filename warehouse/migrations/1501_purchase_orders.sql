-- QuickBooks purchase orders, as the company file last answered (PurchaseOrderAdd/Mod answers and the incremental
-- PurchaseOrderQuery with line items): what a bill links to, whether qbsync raised the PO or someone did in QuickBooks.
CREATE TABLE IF NOT EXISTS qb_purchase_orders (
    company             TEXT NOT NULL,
    txn_id              TEXT NOT NULL,
    ref_number          TEXT,
    vendor_list_id      TEXT,
    vendor_name         TEXT,
    txn_date            DATE,
    total_amount        DECIMAL(18, 2),
    is_fully_received   BOOLEAN,
    is_manually_closed  BOOLEAN,
    memo                TEXT,
    edit_sequence       TEXT,
    time_created        TIMESTAMP,
    time_modified       TIMESTAMP,
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, txn_id)
);
CREATE INDEX IF NOT EXISTS qb_purchase_orders_ref ON qb_purchase_orders (company, ref_number);

-- A purchase order's lines as its newest answer lists them (line_number in QuickBooks' order, from 1).
CREATE TABLE IF NOT EXISTS qb_purchase_order_lines (
    company             TEXT NOT NULL,
    txn_id              TEXT NOT NULL,
    txn_line_id         TEXT NOT NULL,
    line_number         INTEGER NOT NULL,
    item_list_id        TEXT,
    item_name           TEXT,
    description         TEXT,
    quantity            DECIMAL(18, 5),
    rate                DECIMAL(18, 5),
    amount              DECIMAL(18, 2),
    received_quantity   DECIMAL(18, 5),
    is_manually_closed  BOOLEAN,
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, txn_line_id)
);
CREATE INDEX IF NOT EXISTS qb_purchase_order_lines_txn ON qb_purchase_order_lines (company, txn_id);

-- A bill's item lines as its newest answer with lines lists them: a BillMod edits a line linked to a PO line by its
-- TxnLineID (a replaced line would lose the link).
CREATE TABLE IF NOT EXISTS qb_bill_item_lines (
    company             TEXT NOT NULL,
    txn_id              TEXT NOT NULL,
    txn_line_id         TEXT NOT NULL,
    line_number         INTEGER NOT NULL,
    item_name           TEXT,
    quantity            DECIMAL(18, 5),
    cost                DECIMAL(18, 5),
    amount              DECIMAL(18, 2),
    synced_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (company, txn_line_id)
);
CREATE INDEX IF NOT EXISTS qb_bill_item_lines_txn ON qb_bill_item_lines (company, txn_id);

-- A draft line's QuickBooks item (item_mappings of its account code; a PurchaseOrder line needs one) and the PO and PO
-- line an invoice line bills (its bill line links to that line of the QuickBooks PO with that RefNumber).
ALTER TABLE bill_draft_lines ADD COLUMN IF NOT EXISTS qb_item_name TEXT;
ALTER TABLE bill_draft_lines ADD COLUMN IF NOT EXISTS po_number TEXT;
ALTER TABLE bill_draft_lines ADD COLUMN IF NOT EXISTS po_line_number TEXT;
