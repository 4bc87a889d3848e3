"""The pipeline benchmarks' shared set-up: a Coupa company, landed POs copied up to a size in SQL, the timed steps."""

from __future__ import annotations

import itertools
import time

import pandas as pd

from assets import steps
from sandbox.coupa.generator import generate
from sources import registry
from warehouse.audit import now
from warehouse.company_sources import enrol
from warehouse.store import Warehouse

COUPA = registry.get("coupa")
BASE_POS = 950  # about 10,000 lines (1-20 lines per PO)


def land_lines(wh: Warehouse, lines: int) -> float:
    """A company, the generator's suppliers, accounts and POs landed, the POs copied up to about `lines` PO lines
    with new ids and PO numbers; seconds the landing step took for the generator's records."""
    dataset = generate(11, suppliers=200, purchase_orders=BASE_POS, invoice_share=0.0, payment_share=0.0)
    _company(wh, [a["code"] for a in dataset.accounts])
    start = time.perf_counter()
    for entity in ("suppliers", "accounts", "purchase_orders"):
        steps.land(wh, COUPA, entity, getattr(dataset, entity))
    landed = time.perf_counter() - start
    copies = max(1, round(lines / sum(len(po["order-lines"]) for po in dataset.purchase_orders)))
    if copies > 1:
        _replicate(wh, copies)
    return landed


def _replicate(wh: Warehouse, copies: int) -> None:
    """Add `copies` - 1 copies of the landed POs with new ids and PO numbers, in SQL."""
    with wh.connect() as conn:
        top = int(conn.scalar("SELECT max(CAST(source_id AS INTEGER)) FROM raw_coupa_purchase_orders"))
        new_id = f"CAST(r.source_id AS INTEGER) + k.i * {top}"
        if wh.backend == "postgres":
            payload = (
                f"r.payload || jsonb_build_object('id', {new_id}, 'po-number', 'PO' || lpad(({new_id})::text, 8, '0'))"
            )
            copy = f"generate_series(1, {copies - 1}) k(i)"
        else:
            payload = (
                f"json_merge_patch(r.payload, json_object('id', {new_id}, 'po-number', "
                f"'PO' || lpad(CAST({new_id} AS VARCHAR), 8, '0')))"
            )
            copy = f"range(1, {copies}) k(i)"
        conn.execute(
            "INSERT INTO raw_coupa_purchase_orders (source_id, payload, source_updated_at, fetched_at) "
            f"SELECT CAST({new_id} AS VARCHAR), {payload}, r.source_updated_at, r.fetched_at "
            f"FROM raw_coupa_purchase_orders r, {copy}"
        )


def _company(wh: Warehouse, codes: list[str]) -> None:
    with wh.connect() as conn:
        conn.execute(
            "INSERT INTO companies (company, qbwc_user, password_hash, owner_id, file_id, created_at) "
            "VALUES ('bench', 'bench', 'x', 'o', 'f', ?)",
            [now()],
        )
        enrol(conn, "bench", "coupa")
        conn.load(
            "account_mappings",
            pd.DataFrame(
                {"company": "bench", "source_system": "coupa", "source_account_code": codes, "qb_account_name": "Ops"}
            ),
        )
        conn.execute(
            "INSERT INTO qb_accounts (company, list_id, full_name, is_active, synced_at) VALUES "
            "('bench', 'A1', 'Ops', TRUE, ?)",
            [now()],
        )


def pipeline(wh: Warehouse) -> dict[str, float]:
    """Staging through the outbox; seconds per step."""
    took = {}
    start = time.perf_counter()
    for entity in ("suppliers", "accounts", "purchase_orders"):
        steps.stage(wh, COUPA, entity)
    took["staging"] = time.perf_counter() - start
    mark = time.perf_counter()
    steps.match_vendors(wh)
    steps.build_bill_drafts(wh)
    took["matching"] = time.perf_counter() - mark
    mark = time.perf_counter()
    steps.enqueue_vendors(wh)
    steps.enqueue_bills(wh)
    took["outbox"] = time.perf_counter() - mark
    took["total"] = time.perf_counter() - start
    return took


def add_growth(rows: list[dict]) -> None:
    """growth_vs_previous on each row after the first: its time ratio to the previous row's over the ratio of their
    lines (1.0 is linear)."""
    for smaller, larger in itertools.pairwise(rows):
        larger["growth_vs_previous"] = round(
            (larger["total_s"] / smaller["total_s"]) / (larger["lines"] / smaller["lines"]), 2
        )
