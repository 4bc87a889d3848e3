"""Benchmarks: Coupa pull throughput through CoupaClient vs a bare httpx loop over the same pages; generator speed."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox.coupa.generator import generate
from sandbox.coupa.server import CoupaSandbox
from sources.coupa.client import CoupaClient

CID, SECRET = "bench", "bench-secret"
PURCHASE_ORDERS = 10_000


def bare_pull(base_url: str) -> int:
    """The baseline: one token, then a plain httpx loop over limit/offset pages."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        form = {"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET}
        token = http.post("/oauth2/token", data=form).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        pages, offset = 0, 0
        while True:
            page = http.get("/api/purchase_orders", params={"limit": 50, "offset": offset}, headers=headers).json()
            if page:
                pages += 1
            if len(page) < 50:
                return pages
            offset += 50


def client_pull(base_url: str) -> int:
    with CoupaClient(base_url, CID, SECRET) as coupa:
        return sum(1 for _ in coupa.pages("/api/purchase_orders"))


@pytest.mark.bench
def test_coupa_pull_pages_per_second_vs_bare_httpx(benchmark):
    dataset = generate(1, suppliers=500, purchase_orders=PURCHASE_ORDERS)
    with CoupaSandbox(dataset, client_id=CID, client_secret=SECRET, rate_limit_per_s=None) as api:
        started = time.perf_counter()
        bare_pages = bare_pull(api.base_url)
        bare_s = time.perf_counter() - started
        pages = benchmark.pedantic(client_pull, args=(api.base_url,), rounds=3, iterations=1)
    assert pages == bare_pages == PURCHASE_ORDERS // 50
    client_rate = pages / benchmark.stats.stats.mean
    bare_rate = bare_pages / bare_s
    benchmark.extra_info.update(
        client_pages_per_s=client_rate, bare_pages_per_s=bare_rate, ratio=client_rate / bare_rate
    )
    print(
        f"\nCoupa pull: client {client_rate:.1f} pages/s, bare httpx {bare_rate:.1f} pages/s, "
        f"ratio {client_rate / bare_rate:.2f}"
    )


@pytest.mark.bench
def test_generator_100k_po_lines(benchmark):
    dataset = benchmark.pedantic(
        generate, args=(7,), kwargs={"suppliers": 1000, "purchase_orders": 9500}, rounds=1, iterations=1
    )
    lines = sum(len(po["order-lines"]) for po in dataset.purchase_orders)
    assert lines >= 95_000
    print(f"\ngenerator: {lines} PO lines in {benchmark.stats.stats.mean:.2f}s")
