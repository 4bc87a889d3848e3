"""Execution policies every asset module shares: the warehouse pool, API retries, freshness, eager automation."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

WAREHOUSE_POOL = "qbsync_warehouse"  # every asset that writes the warehouse: DuckDB takes one writer at a time
API_RETRY = dg.RetryPolicy(max_retries=4, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
LANDING_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=24), warn_window=timedelta(hours=2))
EAGER = dg.AutomationCondition.eager()
