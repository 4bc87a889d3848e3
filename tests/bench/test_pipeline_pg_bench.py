"""Pipeline time (staging -> outbox) on PostgreSQL at 1M and 4M PO lines: growth over the size ratio, where a
quadratic plan would show (vendor matching and PO drafts each had one). QBSYNC_BENCH_PG_SIZES=100000,400000 for a
quick look. The connections are the assets' (Warehouse(batch=True)); the set-up ends with ANALYZE, as autovacuum
would after a landing that size."""

from __future__ import annotations

import os
import time
import uuid

import pandas as pd
from pg_schema import drop_schema
from pipeline_data import add_growth, land_lines, pipeline

from warehouse.store import Warehouse

SIZES = [int(s) for s in os.environ.get("QBSYNC_BENCH_PG_SIZES", "1000000,4000000").split(",")]


def test_pipeline_time_grows_linearly_on_postgresql(pg_url):
    rows = []
    for lines in SIZES:
        wh = Warehouse(pg_url, schema=f"bench_{uuid.uuid4().hex[:12]}", batch=True)
        try:
            wh.migrate()
            start = time.perf_counter()
            land_lines(wh, lines)
            wh.execute("ANALYZE")
            setup = time.perf_counter() - start
            took = pipeline(wh)
            rows.append(
                {
                    "lines": int(wh.scalar("SELECT sum(jsonb_array_length(payload->'order-lines')) "
                                           "FROM raw_coupa_purchase_orders")),
                    "setup_s": round(setup, 1),
                    **{f"{k}_s": round(v, 2) for k, v in took.items()},
                    "bills": wh.scalar("SELECT count(*) FROM qbxml_outbox WHERE op = 'BillAdd'"),
                    "pos": wh.scalar("SELECT count(*) FROM raw_coupa_purchase_orders"),
                }
            )  # fmt: skip
        finally:
            drop_schema(wh)
    add_growth(rows)
    print("\n" + pd.DataFrame(rows).to_string(index=False))
    for row in rows:
        assert 0 < row["bills"] <= row["pos"], row
