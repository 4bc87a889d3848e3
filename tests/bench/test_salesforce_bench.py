"""Benchmark: an initial sync of 50,000 customers (as Accounts) and 200,000 invoice lines (as OpportunityLineItems on
50,000 Opportunities) into the sandbox org, through Bulk API 2.0 ingest jobs vs sObject Collections (200 a call):
wall time, API requests spent and the peak resident memory of the process (client and simulated org together).

QBSYNC_BENCH_SALESFORCE=customers,lines changes the sizes (default 50000,200000)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from sandbox.salesforce.admin import prepared_org
from sandbox.salesforce.server import SalesforceSandbox
from sources.salesforce.client import COLLECTION_MAX, SalesforceClient
from sources.salesforce.fields import EXTERNAL_ID, LINE_ID, TXN_ID
from sources.salesforce.flows import DEFAULT_STAGES

CUSTOMERS, LINES = (int(n) for n in os.environ.get("QBSYNC_BENCH_SALESFORCE", "50000,200000").split(","))
ITEMS = 20
JOB_RECORDS = 50_000  # records per ingest job: the loopback server takes bodies up to 10 MB


def _load(customers: int, lines: int) -> dict[str, list[dict]]:
    per_invoice = max(1, lines // customers)
    return {
        "Product2": [{EXTERNAL_ID: f"I{i}", "Name": f"Service {i}", "IsActive": True} for i in range(ITEMS)],
        "PricebookEntry": [],  # filled once the standard price book is known
        "Account": [
            {
                EXTERNAL_ID: f"C{c}",
                "Name": f"Client {c:06d} Inc",
                "QB_Type__c": "Customer",
                "QB_Open_Balance__c": 100.0,
                "QB_Inactive__c": False,
            }
            for c in range(customers)
        ],
        "Opportunity": [
            {
                TXN_ID: f"T{c}",
                "Name": f"INV-{c:06d}",
                "Account": {EXTERNAL_ID: f"C{c}"},
                "StageName": "Invoiced",
                "CloseDate": "2026-12-31",
            }
            for c in range(customers)
        ],
        "OpportunityLineItem": [
            {
                LINE_ID: f"L{n}",
                "Opportunity": {TXN_ID: f"T{n // per_invoice}"},
                "PricebookEntry": {EXTERNAL_ID: f"I{n % ITEMS}"},
                "Quantity": 2.0,
                "UnitPrice": 75.0,
            }
            for n in range(customers * per_invoice)
        ],
    }


EXT = {"Product2": EXTERNAL_ID, "PricebookEntry": EXTERNAL_ID, "Account": EXTERNAL_ID, "Opportunity": TXN_ID,
       "OpportunityLineItem": LINE_ID}  # fmt: skip


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextmanager
def _peak_rss() -> Iterator[dict[str, float]]:
    """Peak resident memory above the start, sampled every 50 ms while the block runs."""
    seen = {"start": _rss_mb(), "peak": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            seen["peak"] = max(seen["peak"], _rss_mb() - seen["start"])

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        yield seen
    finally:
        stop.set()
        watcher.join()


def _sync(mode: str) -> dict[str, float]:
    load = _load(CUSTOMERS, LINES)
    with (
        _peak_rss() as memory,
        SalesforceSandbox(
            client_id="b", client_secret="s", daily_limit=10**9, custom=prepared_org(DEFAULT_STAGES.all())
        ) as sf,  # fmt: skip
        SalesforceClient(sf.base_url, "b", "s", bulk_poll_seconds=0.05) as client,
    ):
        pricebook = next(client.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true"))["Id"]
        load["PricebookEntry"] = [{EXTERNAL_ID: f"I{i}", "Pricebook2Id": pricebook, "Product2": {EXTERNAL_ID: f"I{i}"},
                                   "UnitPrice": 75.0, "IsActive": True} for i in range(ITEMS)]  # fmt: skip
        start = time.perf_counter()
        for obj, records in load.items():
            ext = EXT[obj]
            if mode == "bulk" and len(records) > COLLECTION_MAX:
                outcomes = [o for s in range(0, len(records), JOB_RECORDS)
                            for o in client.upsert_bulk(obj, ext, records[s : s + JOB_RECORDS])]  # fmt: skip
            else:
                outcomes = [o for s in range(0, len(records), COLLECTION_MAX)
                            for o in client.upsert_collection(obj, ext, records[s : s + COLLECTION_MAX])]  # fmt: skip
            assert all(o.error is None for o in outcomes), next(o.error for o in outcomes if o.error)
        took = time.perf_counter() - start
        requests = sf.org.limits.used
        assert len(sf.org.records["OpportunityLineItem"]) == len(load["OpportunityLineItem"])
    return {"seconds": took, "api_requests": requests, "peak_mb": memory["peak"]}


@pytest.mark.parametrize("mode", ["bulk", "collections"])
def test_initial_sync_bulk_vs_collections(mode):
    result = _sync(mode)
    figures = f"{result['seconds']:.1f} s, {result['api_requests']} API requests, peak {result['peak_mb']:.0f} MB"
    print(f"\nsalesforce initial sync, {CUSTOMERS} customers + {LINES} lines via {mode}: {figures}")
