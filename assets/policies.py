"""Execution policies every asset module shares: the warehouse pool, API retries, freshness, eager automation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import dagster as dg

from connectors.core.errors import ApiError, RetriesExhausted

WAREHOUSE_POOL = "qbsync_warehouse"  # every asset that writes the warehouse: DuckDB takes one writer at a time
API_RETRY = dg.RetryPolicy(max_retries=4, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
LANDING_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=24), warn_window=timedelta(hours=2))
EAGER = dg.AutomationCondition.eager()


@contextmanager
def api_failures_final() -> Iterator[None]:
    """A source API failure that waiting cannot mend (refused credentials, unknown host, a 4xx) fails the step at
    once with its one-line message; only retries exhausted on 429/5xx/timeouts are left to API_RETRY."""
    try:
        yield
    except RetriesExhausted:
        raise
    except ApiError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
