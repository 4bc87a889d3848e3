"""The Dagster code location: every asset, check, job, schedule, sensor and resource of qbsync."""

from __future__ import annotations

import dagster as dg

from assets.feedback import feedback_assets
from assets.landing import all_landing_assets
from assets.matching import matching_assets
from assets.outbox import outbox_assets
from assets.quickbooks import quickbooks_assets
from assets.reconciliation import reconciliation_assets
from assets.staging import staging_assets
from data_checks.asset_checks import build_asset_checks
from pipelines.jobs import jobs
from pipelines.schedules import schedules
from pipelines.sensors import sensors
from resources.deployed import default_resources

ASSETS = [
    *all_landing_assets(),
    *staging_assets(),
    *matching_assets,
    *outbox_assets,
    *quickbooks_assets,
    *feedback_assets(),
    *reconciliation_assets,
]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=build_asset_checks(),
    jobs=jobs,
    schedules=schedules,
    sensors=sensors,
    resources=default_resources(),
)
