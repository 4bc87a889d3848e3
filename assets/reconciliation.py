"""The finance report as an asset: the recon views rendered to HTML under QBSYNC_HOME, its path in the metadata."""

import dagster as dg

from assets.feedback import feedback_key
from assets.policies import FINANCE_OWNERS
from assets.staging import staged
from data_checks.finance_report import write_report
from sources import registry
from warehouse.config import home


@dg.asset(
    deps=[
        "bill_drafts",
        "vendor_matches",
        "qb_vendors",
        "qb_bills",
        "qb_bill_payments",
        "qb_vendor_credits",
        *staged("stg_purchase_orders", "stg_invoices", "stg_payments", "stg_payment_details"),
        *(feedback_key(s) for s in registry.all_sources() if s.writes_back),
    ],
    required_resource_keys={"warehouse"},
    group_name="reconciliation",
    kinds={"html"},
    owners=FINANCE_OWNERS,
    description="Self-contained HTML page for finance from the recon_* views (documents, vendors, payments, "
    "purchases, cloud writes): totals per status, mismatches, volume and amounts by day",
)
def finance_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    summary = write_report(context.resources.warehouse.get(), home() / "reports" / "finance.html")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(summary["path"]),
            "documents": summary["documents"],
            "mismatches": summary["mismatches"],
            "documents_by_status": dg.MetadataValue.json(summary["documents_by_status"]),
            "vendors_by_status": dg.MetadataValue.json(summary["vendors_by_status"]),
            "payments_by_status": dg.MetadataValue.json(summary["payments_by_status"]),
        }
    )


reconciliation_assets = [finance_report]
