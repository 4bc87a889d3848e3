"""QuickBooks assets: the responses the bridge receives, folded into the qb_* mirror tables."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg

from assets.metadata import columns, result, sample, table
from assets.policies import BOOKS_OWNERS, WAREHOUSE_POOL, stored
from resources.warehouse import WarehouseResource
from warehouse.qb_mirror import fold_pending

# table -> (sample order, the column whose newest value is its watermark)
MIRROR_TABLES = {
    "qb_vendors": ("company, list_id", "time_modified"),
    "qb_accounts": ("company, list_id", "time_modified"),
    "qb_items": ("company, list_id", "time_modified"),
    "qb_bills": ("company, txn_id", "time_modified"),
    "qb_bill_payments": ("company, txn_id", "time_modified"),
    "qb_deleted": ("company, object_id", "time_deleted"),
    "qb_customers": ("company, list_id", "time_modified"),
    "qb_invoices": ("company, txn_id", "time_modified"),
    "qb_invoice_lines": ("company, txn_id, line_number", "synced_at"),
    "qb_purchase_orders": ("company, txn_id", "time_modified"),
    "qb_vendor_credits": ("company, txn_id", "time_modified"),
    "qb_purchase_order_lines": ("company, txn_id, line_number", "synced_at"),
    "qb_bill_item_lines": ("company, txn_id, line_number", "synced_at"),
}

MIRRORED = {
    "qb_vendors": "QuickBooks vendors (ListID, name, addresses, EditSequence) as the company file last answered",
    "qb_accounts": "QuickBooks chart of accounts as the company file last answered: what bill lines may post to",
    "qb_items": "QuickBooks items as the company file last answered (purchase order lines need one)",
    "qb_bills": "QuickBooks bills (TxnID, amounts, OpenAmount, EditSequence, our ExternalGUID) as last answered",
    "qb_vendor_credits": "QuickBooks vendor credits (TxnID, RefNumber, vendor, CreditAmount, OpenAmount, "
    "EditSequence) as last answered: what credit memos became",
    "qb_bill_payments": "QuickBooks bill payments (checks) and the bills they apply to, as last answered",
    "qb_deleted": "Objects deleted in QuickBooks (TxnDeletedQuery/ListDeletedQuery), so the mirror forgets them",
    "qb_customers": "QuickBooks customers and their jobs (ListID, full name, parent, addresses, terms, balance) as "
    "the company file last answered",
    "qb_invoices": "QuickBooks invoices (TxnID, customer, dates, subtotal, BalanceRemaining, paid) as last answered",
    "qb_invoice_lines": "The lines of each QuickBooks invoice (item, quantity, rate, amount) as its newest answer "
    "lists them",
    "qb_purchase_orders": "QuickBooks purchase orders (TxnID, RefNumber, vendor, total, fully received) as last "
    "answered, raised by qbsync or in QuickBooks: what bills link to",
    "qb_purchase_order_lines": "The lines of each QuickBooks purchase order (item, quantity, rate, received) as its "
    "newest answer lists them",
    "qb_bill_item_lines": "The item lines of each QuickBooks bill (TxnLineID in order): a BillMod edits a line "
    "linked to a PO line in place",
}

# The Web Connector round trip is outside Dagster: the outbox assets feed the company file, and the bridge writes
# the file's answers to qbxml_responses. The graph is cut there, so what QuickBooks holds (qb_*) can be an
# upstream of matching and the outbox without a cycle.
quickbooks_company_file = dg.AssetSpec(
    "quickbooks_company_file",
    deps=["outbox_vendors", "outbox_bills", "outbox_bill_payments", "qb_reference_queries"],
    group_name="quickbooks",
    kinds={"quickbooks"},
    owners=BOOKS_OWNERS,
    description="The QuickBooks Desktop company file: the Web Connector runs the outbox's requests against it "
    "through the bridge (qbsync bridge); its answers come back as qbxml_responses",
)
qbxml_responses = dg.AssetSpec(
    "qbxml_responses",
    group_name="quickbooks",
    kinds=stored("quickbooks"),
    owners=BOOKS_OWNERS,
    metadata=table("qbxml_responses"),
    description="QuickBooks answers to the outbox, written by the bridge as the Web Connector delivers them "
    "(one row per answered request; the company file is upstream of it outside Dagster's graph)",
)


@dg.multi_asset(
    name="qb_mirror",
    specs=[
        dg.AssetSpec(
            name,
            deps=["qbxml_responses"],
            kinds=stored("quickbooks", "sql"),
            owners=BOOKS_OWNERS,
            metadata=table(name),
            description=MIRRORED[name],
        )
        for name in MIRROR_TABLES
    ],
    group_name="quickbooks",
    pool=WAREHOUSE_POOL,
)
def qb_mirror(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
    """Fold every response not yet folded into the mirror (the bridge's fold_pending), then report each table."""
    wh = warehouse.get()
    with wh.connect() as conn:
        folded = fold_pending(conn)
    for name, (order_by, stamp) in MIRROR_TABLES.items():
        yield result(
            wh.scalar(f"SELECT count(*) FROM {name}"),
            asset_key=name,
            schema=columns(wh, name),
            responses_folded=folded,
            watermark=wh.scalar(f"SELECT max({stamp}) FROM {name}"),
            sample=sample(wh, name, order_by),
        )


quickbooks_assets = [quickbooks_company_file, qbxml_responses, qb_mirror]
