"""Execution policies every asset module shares: the warehouse pool, API retries, freshness, owners and kinds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import dagster as dg

from connectors.core.errors import ApiError, RetriesExhausted
from warehouse.config import storage_kind

WAREHOUSE_POOL = "qbsync_warehouse"  # every asset that writes the warehouse: DuckDB takes one writer at a time
API_RETRY = dg.RetryPolicy(max_retries=4, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
LANDING_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=24), warn_window=timedelta(hours=2))
# Who answers for an asset: the source side (landing, staging, feedback), the books side (matching, outbox, the
# QuickBooks mirror) and finance (the report).
SOURCE_OWNERS = ["team:integration"]
BOOKS_OWNERS = ["team:accounts-payable"]
FINANCE_OWNERS = ["team:finance"]


def stored(*kinds: str) -> set[str]:
    """`kinds` plus the warehouse's storage kind (duckdb or postgres), as the deployment's environment chooses it."""
    return {*kinds, storage_kind()}


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
