"""Matching assets: suppliers to QuickBooks vendors, and approved documents to bill drafts with mapped lines."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg

from assets import steps
from assets.metadata import columns, result, sample, table
from assets.policies import BOOKS_OWNERS, WAREHOUSE_POOL, stored
from assets.staging import staged
from resources.warehouse import WarehouseResource


@dg.asset(
    deps=["stg_suppliers", "qb_vendors"],
    group_name="matching",
    kinds=stored("sql"),
    owners=BOOKS_OWNERS,
    metadata=table("vendor_matches"),
    pool=WAREHOUSE_POOL,
    description="Source supplier -> QuickBooks vendor by operator link, external ID, normalized name, address; else "
    "create or review, per company (reads qb_vendors as last folded)",
)
def vendor_matches(warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    figures = steps.match_vendors(wh)
    return result(
        figures["rows"],
        schema=columns(wh, "vendor_matches"),
        by_method=figures["by_method"],
        changed=figures["changed"],
        sample=sample(wh, "vendor_matches", "company, supplier_source_id"),
    )


# What building the drafts and the blocking data checks it runs (quarantine.evaluate) read: every document, its
# lines and payments, the vendor matches and what QuickBooks holds.
RULE_INPUTS = [
    "vendor_matches",
    "qb_accounts",
    "qb_bills",
    "qb_bill_payments",
    "qb_vendor_credits",
    *staged(
        "stg_purchase_orders",
        "stg_po_lines",
        "stg_invoices",
        "stg_invoice_lines",
        "stg_payments",
        "stg_payment_details",
    ),
]


@dg.multi_asset(
    name="bill_drafts",
    specs=[
        dg.AssetSpec(
            "bill_drafts",
            deps=RULE_INPUTS,
            kinds=stored("sql"),
            owners=BOOKS_OWNERS,
            metadata=table("bill_drafts"),
            description="Approved POs and invoices per company as bills; vendor resolved or held; the blocking "
            "data checks run here, once per sync, and quarantine what breaks a rule",
        ),
        dg.AssetSpec(
            "bill_draft_lines",
            deps=["bill_drafts"],
            kinds=stored("sql"),
            owners=BOOKS_OWNERS,
            metadata=table("bill_draft_lines"),
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
        schema=columns(wh, "bill_drafts"),
        rebuilt=figures["rebuilt"],
        held=figures["held"],
        quarantined=figures["quarantined"],
        released=figures["released"],
        sample=sample(wh, "bill_drafts", "company, record_key"),
    )
    yield result(
        figures["lines"],
        asset_key="bill_draft_lines",
        schema=columns(wh, "bill_draft_lines"),
        sample=sample(wh, "bill_draft_lines", "company, record_key"),
    )


matching_assets = [vendor_matches, bill_drafts]
