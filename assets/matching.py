"""Matching assets: suppliers to QuickBooks vendors, and approved documents to bill drafts with mapped lines."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg

from assets import steps
from assets.metadata import result, sample
from assets.policies import EAGER, WAREHOUSE_POOL
from resources.warehouse import WarehouseResource


@dg.asset(
    deps=["stg_suppliers"],
    group_name="matching",
    kinds={"sql"},
    pool=WAREHOUSE_POOL,
    automation_condition=EAGER,
    description="Source supplier -> QuickBooks vendor by external ID, normalized name, address; else create/review "
    "(reads qb_vendors from the last folded responses)",
)
def vendor_matches(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    figures = steps.match_vendors(wh)
    return result(
        figures["rows"],
        by_method=figures["by_method"],
        changed=figures["changed"],
        sample=sample(wh, "vendor_matches", "company, supplier_source_id"),
    )


@dg.multi_asset(
    name="bill_drafts",
    specs=[
        dg.AssetSpec(
            "bill_drafts",
            deps=["vendor_matches", "stg_purchase_orders", "stg_po_lines", "stg_invoices", "stg_invoice_lines"],
            kinds={"sql"},
            automation_condition=EAGER,
            description="Approved POs and invoices per company as bills; vendor resolved or held",
        ),
        dg.AssetSpec(
            "bill_draft_lines",
            deps=["bill_drafts"],
            kinds={"sql"},
            automation_condition=EAGER,
            description="Bill lines on the company's QuickBooks accounts (NULL account: unmapped, document held)",
        ),
    ],
    group_name="matching",
    pool=WAREHOUSE_POOL,
)
def bill_drafts(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
    wh = warehouse.get()
    figures = steps.build_bill_drafts(wh)
    yield result(
        figures["rows"],
        asset_key="bill_drafts",
        rebuilt=figures["rebuilt"],
        held=figures["held"],
        sample=sample(wh, "bill_drafts", "company, record_key"),
    )
    yield result(
        figures["lines"], asset_key="bill_draft_lines", sample=sample(wh, "bill_draft_lines", "company, record_key")
    )


matching_assets = [vendor_matches, bill_drafts]
