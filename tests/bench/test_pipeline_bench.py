"""Pipeline throughput (landing -> staging -> outbox) at 10k, 100k, 1M and 2M PO lines on DuckDB, as a ratio to a
hand-written DuckDB SQL baseline over the same landed data in the same run; the peak memory of each after the data
set-up; a 1% incremental re-run, with its slowest SQL statements beside what each cost in the full run. The re-run's
landing checkpoints before the re-run is timed (reported apart): DuckDB rewrites every row group of the raw table its
scattered updates touched, a landing cost that would otherwise fall on whichever commit crossed the WAL threshold.

Each size runs in its own process so peak RSS belongs to that size. Landing: the generator's records go through the
landing step for the first 10k lines; larger sizes copy them in SQL with new ids (the API is not what is measured),
and the set-up ends with a checkpoint, reported apart (writing 2M lines of landed JSON to disk takes about 20 s,
which would otherwise fall on the pipeline's first commit). growth_vs_previous is the time ratio to the previous
size over the size ratio: 1.0 is linear. QBSYNC_BENCH_SIZES=10000,100000 limits the sizes;
QBSYNC_DUCKDB_MEMORY_LIMIT=800MB measures the pipeline as a deployment with capped memory runs it.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from pipeline_data import add_growth, land_lines, pipeline

from warehouse.audit import now
from warehouse.store import Conn, Warehouse

SIZES = [int(s) for s in os.environ.get("QBSYNC_BENCH_SIZES", "10000,100000,1000000,2000000").split(",")]
STATUSES = "('issued', 'approved', 'closed', 'soft_closed')"

BASELINE = [
    "CREATE OR REPLACE TABLE b_suppliers AS SELECT source_id, "
    'from_json(payload, \'{"name": "VARCHAR"}\').name AS name FROM raw_coupa_suppliers',
    'CREATE OR REPLACE TABLE b_parsed AS SELECT source_id, from_json(payload, \'{"po-number": "VARCHAR", '
    '"status": "VARCHAR", "created-at": "VARCHAR", "supplier": {"id": "VARCHAR"}, '
    '"order-lines": [{"line-num": "INTEGER", "total": "DECIMAL(18,2)", "description": "VARCHAR", '
    '"account": {"code": "VARCHAR"}}]}\') AS j FROM raw_coupa_purchase_orders',
    'CREATE OR REPLACE TABLE b_lines AS SELECT source_id AS po_id, l."line-num" AS n, l.total AS amount, '
    'l.account.code AS code, l.description FROM (SELECT source_id, unnest(j."order-lines") AS l FROM b_parsed)',
    "CREATE OR REPLACE TABLE b_outbox AS SELECT p.source_id, json_object('BillAdd', json_object("
    "'VendorRef', json_object('FullName', s.name), 'TxnDate', substr(p.j.\"created-at\", 1, 10), "
    "'RefNumber', p.j.\"po-number\", 'ExpenseLineAdd', to_json(list(json_object('AccountRef', "
    "json_object('FullName', m.qb_account_name), 'Amount', CAST(l.amount AS VARCHAR), 'Memo', l.description) "
    "ORDER BY l.n)))) AS payload "
    "FROM b_parsed p JOIN b_suppliers s ON s.source_id = p.j.supplier.id JOIN b_lines l ON l.po_id = p.source_id "
    "JOIN account_mappings m ON m.source_account_code = l.code "
    f'WHERE p.j.status IN {STATUSES} GROUP BY p.source_id, s.name, p.j."po-number", p.j."created-at"',
]


TOP_STATEMENTS = 25  # the slowest statements of the incremental run shown per size


@contextmanager
def _statement_times() -> Iterator[list[tuple[float, str]]]:
    """(seconds, SQL) of every statement a Conn runs meanwhile (DuckDB: they all go through Conn._run)."""
    timed: list[tuple[float, str]] = []
    run = Conn._run

    def timed_run(self: Conn, sql: str, params):
        start = time.perf_counter()
        try:
            return run(self, sql, params)
        finally:
            timed.append((time.perf_counter() - start, sql))

    Conn._run = timed_run
    try:
        yield timed
    finally:
        Conn._run = run


def _slowest(incremental: list[tuple[float, str]], full: list[tuple[float, str]], top: int) -> list[str]:
    """The `top` slowest statements of the incremental run beside the same statement of the full run (the n-th
    statement of the same text), as 'incremental s  full s  SQL (shortened)' lines: a statement that costs in the
    re-run what it cost in the full run reads every document, not the changed ones."""

    def keyed(timed: list[tuple[float, str]]) -> list[tuple[tuple[str, int], float]]:
        seen: dict[str, int] = {}
        out = []
        for took, sql in timed:
            text = re.sub(r"_(stage|queue|frame)_[0-9a-f]{32}", r"_\1_*", " ".join(sql.split()))
            text = re.sub(r"TIMESTAMP '[^']*'", "TIMESTAMP '...'", text)
            seen[text] = seen.get(text, 0) + 1
            out.append(((text, seen[text]), took))
        return out

    before = dict(keyed(full))
    lines = [f"{'re-run':>8}  {'full':>8}  statement"]
    for (text, n), took in sorted(keyed(incremental), key=lambda t: t[1], reverse=True)[:top]:
        was = before.get((text, n))
        lines.append(f"{took:8.3f}  {'' if was is None else f'{was:8.3f}'}  {text[:140]}")
    lines.append(f"{sum(t for t, _ in incremental):8.3f}  {sum(t for t, _ in full):8.3f}  all statements")
    return lines


def _touch_one_percent(wh: Warehouse) -> int:
    """A new version of 1% of the POs (first line's quantity + 1), landed now."""
    with wh.connect() as conn:
        conn.execute(
            "UPDATE raw_coupa_purchase_orders SET fetched_at = ?, payload = json_merge_patch(payload, "
            "json_object('version', CAST(payload->>'version' AS INTEGER) + 1, 'updated-at', '2024-07-01T00:00:00Z')) "
            "WHERE CAST(source_id AS INTEGER) % 100 = 0",
            [now()],
        )
        return conn.scalar("SELECT count(*) FROM raw_coupa_purchase_orders WHERE CAST(source_id AS INTEGER) % 100 = 0")


def _checkpoint(wh: Warehouse) -> float:
    """Write what the WAL holds to the database file now; the seconds it took."""
    start = time.perf_counter()
    wh.execute("CHECKPOINT")
    return time.perf_counter() - start


def _reset_peak_memory() -> None:
    """Start the process's peak resident memory (VmHWM) over from its current size (Linux)."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_memory_mb() -> int:
    """Peak resident memory (VmHWM) since the last reset, in MB."""
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) // 1024


def run_size(lines: int, folder: str, out: mp.Queue) -> None:
    wh = Warehouse(f"duckdb:///{Path(folder) / f'bench_{lines}.duckdb'}")
    wh.migrate()
    landed = land_lines(wh, lines)
    real_lines = wh.scalar("SELECT sum(json_array_length(payload->'order-lines')) FROM raw_coupa_purchase_orders")
    setup_checkpoint = _checkpoint(wh)  # the set-up's: else the pipeline's first commit writes the landed payloads
    _reset_peak_memory()  # what follows is the pipeline's own, not the data set-up's
    with _statement_times() as full_timed:
        took = pipeline(wh)
    pipeline_peak_mb = _peak_memory_mb()
    _reset_peak_memory()
    start = time.perf_counter()
    with wh.connect() as conn:  # timed to its commit, as each pipeline step is
        for sql in BASELINE:
            conn.execute(sql)
    baseline = time.perf_counter() - start
    baseline_peak_mb = _peak_memory_mb()
    with wh.connect() as conn:
        bills = conn.scalar("SELECT count(*) FROM qbxml_outbox WHERE op = 'BillAdd'")
        baseline_bills = conn.scalar("SELECT count(*) FROM b_outbox")
    changed = _touch_one_percent(wh)
    landing_checkpoint = _checkpoint(wh)  # the landing's own: its scattered updates rewrite the raw row groups
    with _statement_times() as timed:
        incremental = pipeline(wh)
    out.put(
        {
            "lines": int(real_lines),
            "landing_10k_s": round(landed, 2),
            "setup_checkpoint_s": round(setup_checkpoint, 2),
            **{f"{k}_s": round(v, 2) for k, v in took.items()},
            "baseline_s": round(baseline, 2),
            "ratio": round(took["total"] / baseline, 1),
            "lines_per_s": int(real_lines / took["total"]),
            "bills": bills,
            "baseline_bills": baseline_bills,
            "incremental_changed_pos": changed,
            "incremental_landing_checkpoint_s": round(landing_checkpoint, 2),
            "incremental_s": round(incremental["total"], 2),
            "incremental_vs_full": round(incremental["total"] / took["total"], 2),
            "pipeline_peak_mb": pipeline_peak_mb,
            "baseline_peak_mb": baseline_peak_mb,
            "incremental_statements": len(timed),
            "slowest": _slowest(timed, full_timed, TOP_STATEMENTS),
        }
    )


def test_pipeline_throughput_against_sql_baseline(tmp_path):
    ctx = mp.get_context("spawn")
    rows = []
    for lines in SIZES:
        queue = ctx.Queue()
        proc = ctx.Process(target=run_size, args=(lines, str(tmp_path), queue))
        proc.start()
        row = queue.get(timeout=3600)
        proc.join()
        slowest = row.pop("slowest")
        print(f"\n{row['lines']} lines: the slowest statements of the 1% re-run (seconds)")
        print("\n".join(slowest))
        rows.append(row)
        (tmp_path / f"bench_{lines}.duckdb").unlink(missing_ok=True)
        assert row["bills"] == row["baseline_bills"], row
    add_growth(rows)
    print("\n" + pd.DataFrame(rows).to_string(index=False))
