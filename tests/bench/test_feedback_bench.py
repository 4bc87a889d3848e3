"""Benchmark: writes back to Coupa through the cloud_outbox, one at a time (the baseline, as before the ledger) vs
concurrently under the same 25 requests/s pacing, against the sandbox answering each write after 50 ms."""

from __future__ import annotations

import dataclasses
import time

from sandbox.coupa.generator import generate
from sandbox.coupa.server import CoupaSandbox
from sandbox.scaffold import ApiFaults
from sources import registry
from sources.coupa.client import CoupaClient
from warehouse import cloud_outbox
from warehouse.store import Warehouse

WRITES, LATENCY_S = 150, 0.05
COUPA = registry.get("coupa")


def _queue(wh: Warehouse, ids: list[int]) -> None:
    rows = " UNION ALL ".join(
        f"SELECT 'coupa' AS source_system, 'coupa:po:{i}' AS record_key, 'mark_exported' AS op, 'po {i}' AS target, "
        f"'coupa:po:{i}:exported' AS idempotency_key, "
        f'\'{{"kind": "purchase_order", "source_id": "{i}", "version": 1}}\' AS payload'
        for i in ids
    )
    with wh.connect() as conn:
        cloud_outbox.enqueue(conn, rows, "bench")


def _deliver(tmp_path, workers: int) -> tuple[float, int]:
    from assets.feedback import deliver_writes

    wh = Warehouse(f"duckdb:///{tmp_path / f'feedback_{workers}.duckdb'}")
    wh.migrate()
    dataset = generate(3, suppliers=20, purchase_orders=WRITES, invoice_share=0.0, payment_share=0.0)
    _queue(wh, [po["id"] for po in dataset.purchase_orders])
    faults = ApiFaults(seed=1, slow_rate=1.0, slow_seconds=LATENCY_S)
    source = dataclasses.replace(COUPA, feedback_workers=workers)
    with (
        CoupaSandbox(dataset, client_id="b", client_secret="s", faults=faults, rate_limit_per_s=25) as api,
        CoupaClient(api.base_url, "b", "s") as client,
    ):
        start = time.perf_counter()
        counts = deliver_writes(wh, source, client)
        took = time.perf_counter() - start
    assert counts["sent"] == WRITES and sum(dataset.export_writes.values()) == WRITES
    return took, counts["sent"]


def test_feedback_writes_concurrent_vs_one_at_a_time(tmp_path):
    serial, _ = _deliver(tmp_path, 1)
    concurrent, sent = _deliver(tmp_path, COUPA.feedback_workers)
    print(
        f"\n{sent} Coupa exported writes at {LATENCY_S * 1000:.0f} ms each, 25 req/s: one at a time {serial:.1f} s "
        f"({sent / serial:.1f}/s), {COUPA.feedback_workers} concurrent {concurrent:.1f} s ({sent / concurrent:.1f}/s), "
        f"ratio {serial / concurrent:.1f}x"
    )
    assert concurrent < serial
