"""Jobs: one sync per declared source (its landing, then the shared staging through the outbox; a write-only source:
the QuickBooks reference queries and its writes), and the folding of QuickBooks responses (with every source's
feedback)."""

from __future__ import annotations

import dagster as dg

from assets.feedback import feedback_key
from assets.quickbooks import MIRROR_TABLES
from sources import registry
from sources.declaration import Source

SHARED_SYNC_GROUPS = ("staging", "matching", "outbox")
RESPONSE_ASSETS = (
    *MIRROR_TABLES,  # the qb_mirror multi-asset, whole
    # what the answers unblock (vendors now known, the chart now real, bills now in QuickBooks) is queued at once
    "vendor_matches",
    "bill_drafts",
    "bill_draft_lines",
    "outbox_vendors",
    "outbox_bills",
    "outbox_bill_payments",
)


def sync_job_name(source: Source) -> str:
    return f"{source.name}_sync"


def _sync_job(source: Source) -> dg.UnresolvedAssetJobDefinition:
    if not source.entities:  # nothing to pull: ask QuickBooks what changed, send what is still queued
        return dg.define_asset_job(
            sync_job_name(source),
            selection=dg.AssetSelection.assets("qb_reference_queries", feedback_key(source)),
            description=f"Queue the QuickBooks reference queries (what changed in the company file) and send "
            f"{source.title} the writes still queued; their answers are sent once folded",
        )
    return dg.define_asset_job(
        sync_job_name(source),
        selection=dg.AssetSelection.groups(f"{source.name}_landing", *SHARED_SYNC_GROUPS),
        description=f"Pull {source.title}, stage, match, draft bills and queue QuickBooks requests (with reference "
        "queries)",
    )


sync_jobs = {source.name: _sync_job(source) for source in registry.all_sources()}

quickbooks_responses_job = dg.define_asset_job(
    "quickbooks_responses",
    selection=dg.AssetSelection.assets(
        *RESPONSE_ASSETS, *(feedback_key(s) for s in registry.all_sources() if s.writes_back)
    ),
    description="Fold new QuickBooks responses into qb_*, queue what they unblock (vendors, bills, payments), tell "
    "each source",
)

jobs = [*sync_jobs.values(), quickbooks_responses_job]
