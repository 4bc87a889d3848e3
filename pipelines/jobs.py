"""Jobs: the Coupa sync (landing through the outbox) and the folding of QuickBooks responses."""

from __future__ import annotations

import dagster as dg

SYNC_GROUPS = ("coupa_landing", "staging", "matching", "outbox")
RESPONSE_ASSETS = (
    "qb_vendors",
    "qb_accounts",
    "qb_items",
    "qb_bills",
    "qb_bill_payments",
    "qb_deleted",
    "outbox_bill_payments",
    "coupa_exported",
)

coupa_sync_job = dg.define_asset_job(
    "coupa_sync",
    selection=dg.AssetSelection.groups(*SYNC_GROUPS),
    description="Pull Coupa, stage, match, draft bills and queue QuickBooks requests (with reference queries)",
)

quickbooks_responses_job = dg.define_asset_job(
    "quickbooks_responses",
    selection=dg.AssetSelection.assets(*RESPONSE_ASSETS),
    description="Fold new QuickBooks responses into qb_*, queue payments of bills now in QuickBooks, flag Coupa",
)

jobs = [coupa_sync_job, quickbooks_responses_job]
