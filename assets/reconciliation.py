"""The finance report as an asset: the recon views rendered to HTML under QBSYNC_HOME, its path in the metadata."""

import dagster as dg

from data_checks.finance_report import write_report
from warehouse.config import home


@dg.asset(
    deps=["bill_drafts"],
    required_resource_keys={"warehouse"},
    group_name="reconciliation",
    description="Self-contained HTML page for finance: totals per status, mismatches, volume and amounts by day",
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
