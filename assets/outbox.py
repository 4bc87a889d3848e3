"""Outbox assets: QuickBooks requests queued in qbxml_outbox (deduplicated) for the bridge to deliver."""

from __future__ import annotations

import dagster as dg

from assets import steps
from assets.matching import RULE_INPUTS
from assets.metadata import columns, result, sample, table
from assets.policies import BOOKS_OWNERS, WAREHOUSE_POOL, stored
from assets.staging import staged
from resources.warehouse import WarehouseResource
from transforms.requests import REFERENCE_QUERIES

OUTBOX = {"kinds": stored("sql", "qbxml"), "owners": BOOKS_OWNERS, "metadata": table("qbxml_outbox")}
MIRROR = ["qb_vendors", "qb_accounts", "qb_items", "qb_bills", "qb_bill_payments", "qb_deleted", "qb_customers",
          "qb_invoices", "qb_purchase_orders", "qb_vendor_credits"]  # fmt: skip
# What the vendor and bill requests are built from: the drafts and what the blocking checks left in quarantine when
# bill_drafts ran them, every document with its lines and payments, the vendor matches and what QuickBooks holds.
CHECKED = [*RULE_INPUTS, "bill_drafts", "bill_draft_lines", "qb_vendors", *staged("stg_suppliers")]


def _outbox_result(wh, ops: tuple[str, ...], **figures) -> dg.MaterializeResult:
    names = ", ".join(f"'{op}'" for op in ops)
    by_status = dict(wh.fetchall(f"SELECT status, count(*) FROM qbxml_outbox WHERE op IN ({names}) GROUP BY status"))
    return result(
        sum(by_status.values()),
        schema=columns(wh, "qbxml_outbox"),
        queued_now=figures,
        by_status=by_status,
        sample=sample(wh, "qbxml_outbox", "created_at DESC, request_id", where=f"op IN ({names})"),
    )


@dg.asset(
    deps=CHECKED,
    group_name="outbox",
    **OUTBOX,
    pool=WAREHOUSE_POOL,
    description="VendorAdd for suppliers to create that a bill needs; VendorMod when a known vendor moved",
)
def outbox_vendors(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    return _outbox_result(wh, ("VendorAdd", "VendorMod"), **steps.enqueue_vendors(wh))


@dg.asset(
    deps=[
        *CHECKED,
        "outbox_vendors",
        "qb_purchase_orders",
        "qb_purchase_order_lines",
        "qb_bill_item_lines",
        "qb_vendor_credits",
    ],
    group_name="outbox",
    **OUTBOX,
    pool=WAREHOUSE_POOL,
    description="BillAdd per ready document version (lines on a QuickBooks PO's lines linked to them); BillMod once "
    "QuickBooks has an older version; VendorCreditAdd/Mod for credit memos; PurchaseOrderAdd/Mod for POs kept in "
    "QuickBooks; quarantined documents never queued",
)
def outbox_bills(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    ops = ("BillAdd", "BillMod", "VendorCreditAdd", "VendorCreditMod", "PurchaseOrderAdd", "PurchaseOrderMod")
    return _outbox_result(wh, ops, **steps.enqueue_bills(wh))


@dg.asset(
    deps=[*staged("stg_payments", "stg_payment_details"), "bill_drafts", "qb_bills", "outbox_bills"],
    group_name="outbox",
    **OUTBOX,
    pool=WAREHOUSE_POOL,
    description="BillPaymentCheckAdd for source payments once the paid invoice's bill is in QuickBooks",
)
def outbox_bill_payments(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    return _outbox_result(wh, ("BillPaymentCheckAdd",), **steps.enqueue_payments(wh))


@dg.asset(
    deps=MIRROR,
    group_name="outbox",
    **OUTBOX,
    pool=WAREHOUSE_POOL,
    description="VendorQuery, CustomerQuery, AccountQuery, ItemQuery, BillQuery, VendorCreditQuery, "
    "BillPaymentCheckQuery, "
    "BillPaymentCreditCardQuery, InvoiceQuery and PurchaseOrderQuery (with lines), TxnDeletedQuery and "
    "ListDeletedQuery per company from each mirror table's modified-date watermark",
)
def qb_reference_queries(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    figures = steps.enqueue_reference_queries(wh)
    return _outbox_result(wh, tuple(REFERENCE_QUERIES), **figures)


outbox_assets = [outbox_vendors, outbox_bills, outbox_bill_payments, qb_reference_queries]
