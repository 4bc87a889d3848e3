"""Outbox assets: QuickBooks requests queued in qbxml_outbox (deduplicated) for the bridge to deliver."""

from __future__ import annotations

import dagster as dg

from assets import steps
from assets.metadata import result, sample
from assets.policies import EAGER, WAREHOUSE_POOL
from resources.warehouse import WarehouseResource
from transforms.requests import REFERENCE_QUERIES

OUTBOX_KINDS = {"sql", "qbxml"}


def _outbox_result(wh, ops: tuple[str, ...], **figures) -> dg.MaterializeResult:
    names = ", ".join(f"'{op}'" for op in ops)
    by_status = dict(wh.fetchall(f"SELECT status, count(*) FROM qbxml_outbox WHERE op IN ({names}) GROUP BY status"))
    return result(
        sum(by_status.values()),
        queued_now=figures,
        by_status=by_status,
        sample=sample(wh, "qbxml_outbox", "created_at DESC, request_id", where=f"op IN ({names})"),
    )


@dg.asset(
    deps=["vendor_matches", "bill_drafts"],
    group_name="outbox",
    kinds=OUTBOX_KINDS,
    pool=WAREHOUSE_POOL,
    automation_condition=EAGER,
    description="VendorAdd for suppliers to create that a bill needs; VendorMod when a known vendor moved",
)
def outbox_vendors(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    return _outbox_result(wh, ("VendorAdd", "VendorMod"), **steps.enqueue_vendors(wh))


@dg.asset(
    deps=["bill_drafts", "bill_draft_lines", "outbox_vendors"],
    group_name="outbox",
    kinds=OUTBOX_KINDS,
    pool=WAREHOUSE_POOL,
    automation_condition=EAGER,
    description="BillAdd per ready document version; BillMod once QuickBooks has an older version; quarantined "
    "documents never queued",
)
def outbox_bills(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    return _outbox_result(wh, ("BillAdd", "BillMod"), **steps.enqueue_bills(wh))


@dg.asset(
    deps=["stg_payments", "outbox_bills"],
    group_name="outbox",
    kinds=OUTBOX_KINDS,
    pool=WAREHOUSE_POOL,
    automation_condition=EAGER,
    description="BillPaymentCheckAdd for source payments once the paid invoice's bill is in QuickBooks",
)
def outbox_bill_payments(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    return _outbox_result(wh, ("BillPaymentCheckAdd",), **steps.enqueue_payments(wh))


@dg.asset(
    group_name="outbox",
    kinds=OUTBOX_KINDS,
    pool=WAREHOUSE_POOL,
    description="VendorQuery, AccountQuery, ItemQuery, BillQuery, BillPaymentCheckQuery, TxnDeletedQuery per company "
    "from each mirror table's modified-date watermark",
)
def qb_reference_queries(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    figures = steps.enqueue_reference_queries(wh)
    return _outbox_result(wh, tuple(REFERENCE_QUERIES), **figures)


outbox_assets = [outbox_vendors, outbox_bills, outbox_bill_payments, qb_reference_queries]
