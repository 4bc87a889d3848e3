"""The warehouse work of each asset as plain functions: what the Dagster assets call, and benchmarks time.

Each step is one short transaction that runs transforms' SQL and returns figures for the asset's metadata.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

import pandas as pd

from data_checks import quarantine
from sources.declaration import Source
from sources.keys import DEFAULT_INSTANCE, record_key_sql
from transforms import bills, cancellations, names, staging, vendors
from transforms import requests as rq
from transforms.canonical import CANONICAL
from transforms.dialect import Dialect, dialect
from transforms.landing import RAW_COLUMNS, raw_frame
from transforms.sqltext import ts
from warehouse import qb_clock
from warehouse.audit import now, record_from_query
from warehouse.migrations import landing_table
from warehouse.outbox import enqueue, enqueue_query
from warehouse.store import Conn, Warehouse

LAND_BATCH = 5_000


def _batches(records: Iterable[dict], size: int) -> Iterator[list[dict]]:
    it = iter(records)
    while batch := list(islice(it, size)):
        yield batch


def _key(source: Source, entity: str, id_expr: str = "source_id") -> str:
    """SQL: the record key of `source`'s `entity` row whose id is `id_expr` (the instance's source key first)."""
    return record_key_sql(f"'{source.key}'", CANONICAL[source.entities[entity].canonical].kind, id_expr)


def land(wh: Warehouse, source: Source, entity: str, records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Upsert source records into raw_<source>_<entity>; a row changes (and is restaged) only when its cursor moved
    (or, for an entity pulled whole, its content changed)."""
    stamp = now()
    table = source.raw_table(entity)
    fetched = changed = 0
    rejected: list[str] = []
    # a full pull compares content too (a record without a stamp is unchanged when its payload is the same)
    if source.entities[entity].full_pull:
        changed_content = f"CAST({table}.payload AS TEXT) IS DISTINCT FROM CAST(EXCLUDED.payload AS TEXT)"
    else:
        changed_content = f"{table}.source_updated_at IS NULL"
    _ensure_landing(wh, source, entity)
    for batch in _batches(records, LAND_BATCH):
        frame, bad = raw_frame(batch, stamp, source.entity_id_field(entity), source.entity_cursor_field(entity))
        rejected += bad
        fetched += len(frame)
        if frame.empty:
            continue
        with wh.connect() as conn:
            before = conn.scalar(f"SELECT count(*) FROM {table} WHERE fetched_at = {ts(stamp)}")
            staged = conn.stage(frame, like=table)
            cols = ", ".join(RAW_COLUMNS)
            conn.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {staged} ON CONFLICT (source_id) DO UPDATE SET "
                "payload = EXCLUDED.payload, source_updated_at = EXCLUDED.source_updated_at, "
                f"fetched_at = EXCLUDED.fetched_at WHERE {table}.source_updated_at IS DISTINCT FROM "
                f"EXCLUDED.source_updated_at OR {changed_content}"
            )
            after = conn.scalar(f"SELECT count(*) FROM {table} WHERE fetched_at = {ts(stamp)}")
            changed += after - before
    with wh.connect() as conn:
        _audit_rows(conn, table, "landed", _key(source, entity), f"fetched_at = {ts(stamp)}")
        conn.execute(
            "INSERT INTO source_pulls (source_system, entity, pulled_at, fetched, changed) VALUES (?, ?, ?, ?, ?)",
            [source.key, entity, stamp, fetched, changed],
        )
        total = conn.scalar(f"SELECT count(*) FROM {table}")
        watermark = conn.scalar(f"SELECT max(source_updated_at) FROM {table}")
    return {"fetched": fetched, "changed": changed, "rejected": rejected, "rows": total, "watermark": watermark}


def _ensure_landing(wh: Warehouse, source: Source, entity: str) -> None:
    """Create the landing table of a non-default instance (the migrations create the default instance's)."""
    if source.instance != DEFAULT_INSTANCE:
        with wh.connect() as conn:
            conn.execute(landing_table(wh.backend, source.raw_table(entity)))


def _audit_rows(conn: Conn, table: str, action: str, key: str, where: str) -> None:
    """One audit event `action` by asset `table` for each of its rows matching `where`, keyed by SQL `key`."""
    record_from_query(
        conn,
        f"asset:{table}",
        action,
        f"SELECT NULL AS company, {key} AS record_key, NULL AS request_id, NULL AS detail FROM {table} WHERE {where}",
    )


def _since(conn: Conn, table: str, source: Source, full: bool) -> datetime | None:
    if full:
        return None
    return conn.scalar(f"SELECT max(staged_at) FROM {table} WHERE source_system = ?", [source.key])


def stage(wh: Warehouse, source: Source, entity: str, full: bool = False) -> dict[str, Any]:
    """Restage `source`'s raw rows landed since its last staging run (all with full=True); quarantine bad fields."""
    d = dialect(wh.backend)
    stamp = now()
    canonical = CANONICAL[source.entities[entity].canonical]
    table = canonical.table
    mine = f"source_system = '{source.key}'"
    prefix = _key(source, entity, "''")
    _ensure_landing(wh, source, entity)
    with wh.connect() as conn:
        since = _since(conn, table, source, full)
        landed = [row[0] for row in conn.fetchall(staging.landed_ids_sql(source.raw_table(entity), since))]
        rows = staging.landed_rows(landed, since)
        if rows:  # else nothing landed since the last run
            for sql in staging.statements(d, source, entity, rows, stamp):
                conn.execute(sql)
        if canonical.name == "suppliers":
            _name_suppliers(conn, source, stamp)
        _audit_staging_quarantine(conn, d, table, prefix, stamp)
        _audit_rows(conn, table, "staged", _key(source, entity), f"{mine} AND staged_at = {ts(stamp)}")
        restaged = conn.scalar(f"SELECT count(*) FROM {table} WHERE {mine} AND staged_at = {ts(stamp)}")
        rows = conn.scalar(f"SELECT count(*) FROM {table}")
        held = conn.scalar(
            f"SELECT count(*) FROM quarantine WHERE released_at IS NULL AND record_key LIKE {prefix} || '%' "
            f"AND check_name LIKE '{staging.ISSUE_PREFIX}%'"
        )
    return {"restaged": restaged, "rows": rows, "quarantined": held, "since": since, "staged_at": stamp}


def _audit_staging_quarantine(conn: Conn, d: Dialect, table: str, prefix: str, stamp: datetime) -> None:
    """audit_log: the staging quarantine rows of this restage, opened (fault found again or anew) and released."""
    staged = f"FROM quarantine WHERE check_name LIKE '{staging.ISSUE_PREFIX}%' AND record_key LIKE {prefix} || '%' AND "
    opened = d.json_object(("check", "check_name"), ("field", "field"), ("reason", "reason"))
    released = d.json_object(("check", "check_name"), ("was", "reason"))
    for event, detail, when in (
        ("quarantined", opened, f"detected_at = {ts(stamp)} AND released_at IS NULL"),
        ("released", released, f"released_at = {ts(stamp)}"),
    ):
        record_from_query(
            conn,
            f"asset:{table}",
            event,
            f"SELECT NULLIF(company, '') AS company, record_key, NULL AS request_id, {d.json_text(detail)} AS detail "
            f"{staged}{when}",
        )


def _name_suppliers(conn: Conn, source: Source, stamp: datetime) -> None:
    """Set stg_suppliers.qb_name of the restaged suppliers; quarantine names QuickBooks cannot store."""
    frame = conn.df(
        "SELECT source_id, supplier_name, "
        f"{record_key_sql('source_system', CANONICAL['suppliers'].kind, 'source_id')} AS record_key "
        f"FROM stg_suppliers WHERE source_system = ? AND staged_at = {ts(stamp)}",
        [source.key],
    )
    if frame.empty:
        return
    named = names.quickbooks_names(frame["supplier_name"])
    staged = conn.stage(
        pd.DataFrame({"source_system": source.key, "source_id": frame["source_id"], "qb_name": named["qb_name"]}),
        like="stg_suppliers",
    )
    conn.execute(
        f"UPDATE stg_suppliers SET qb_name = n.qb_name FROM {staged} n "
        "WHERE stg_suppliers.source_system = n.source_system AND stg_suppliers.source_id = n.source_id"
    )
    bad = named["problem"].notna()
    conn.upsert(
        "quarantine",
        pd.DataFrame(
            {
                "record_key": frame.loc[bad, "record_key"],
                "check_name": f"{staging.ISSUE_PREFIX}latin1",
                "field": "name",
                "reason": named.loc[bad, "problem"],
                "company": "",  # a source-level hold: every company the source feeds
                "detected_at": stamp,
                "released_at": None,
            }
        ),
        key=["company", "record_key", "check_name"],
    )


def match_vendors(wh: Warehouse) -> dict[str, Any]:
    """Match every supplier for every company its source feeds; returns counts per method."""
    stamp = now()
    d = dialect(wh.backend)
    with wh.connect() as conn:
        for sql in vendors.match_vendors(stamp):
            conn.execute(sql)
        detail = d.json_object(("method", "match_method"), ("qb_vendor_name", "qb_vendor_name"))
        record_from_query(
            conn,
            "asset:vendor_matches",
            "matched",
            f"SELECT company, record_key, NULL AS request_id, {d.json_text(detail)} AS detail "
            f"FROM vendor_matches WHERE matched_at = {ts(stamp)}",
        )
        methods = dict(conn.fetchall("SELECT match_method, count(*) FROM vendor_matches GROUP BY match_method"))
        changed = conn.scalar(f"SELECT count(*) FROM vendor_matches WHERE matched_at = {ts(stamp)}")
    return {"by_method": methods, "changed": changed, "rows": sum(methods.values())}


def build_bill_drafts(wh: Warehouse, full: bool = False) -> dict[str, Any]:
    """Rebuild the drafts of documents restaged or re-matched since the last build, and of held ones, then run the
    blocking data checks over them (the one evaluation of a sync): offenders are quarantined, fixed ones released,
    before the outbox assets read the drafts."""
    stamp = now()
    with wh.connect() as conn:
        since = None if full else conn.scalar("SELECT max(built_at) FROM bill_drafts")
        for sql in bills.build_drafts(since, stamp):
            conn.execute(sql)
        report = quarantine.evaluate(conn, rebuilt=bills.REBUILD)
        conn.execute(f"DROP TABLE {bills.REBUILD}")
        rebuilt = conn.scalar(f"SELECT count(*) FROM bill_drafts WHERE built_at = {ts(stamp)}")
        rows = conn.scalar("SELECT count(*) FROM bill_drafts")
        lines = conn.scalar("SELECT count(*) FROM bill_draft_lines")
        held = dict(conn.fetchall(bills.held_counts()))
    return {
        "rebuilt": rebuilt,
        "rows": rows,
        "lines": lines,
        "held": held,
        "quarantined": len(report.quarantined),
        "released": len(report.released),
    }


def _enqueue(conn: Conn, sql: str, actor: str) -> int:
    return enqueue_query(conn, sql, actor=actor)


def enqueue_vendors(wh: Warehouse) -> dict[str, int]:
    """VendorAdd/VendorMod for the suppliers the drafts need (a supplier whose only documents are held gets none)."""
    d = dialect(wh.backend)
    with wh.connect() as conn:
        return {
            "VendorAdd": _enqueue(conn, rq.vendor_adds(d), "asset:outbox_vendors"),
            "VendorMod": _enqueue(conn, rq.vendor_mods(d), "asset:outbox_vendors"),
        }


def enqueue_bills(wh: Warehouse) -> dict[str, int]:
    """Supersede unsent bills of changed or held documents, then queue PurchaseOrderAdd/Mod for the POs kept in
    QuickBooks, BillAdd and BillMod for the ready ones and VendorCreditAdd/Mod for ready credit memos (the blocking
    data checks ran when the drafts were built). The draft requests read only the drafts not yet queued at their
    version (rq.pending_drafts)."""
    d = dialect(wh.backend)
    stamp = now()
    with wh.connect() as conn:
        record_from_query(conn, "asset:outbox_bills", "booked_on_bill", rq.booked_on_bills(d))
        collect, audit, update, drop = rq.supersede_stale_bills(stamp)
        for sql in collect:
            conn.execute(sql)
        record_from_query(conn, "asset:outbox_bills", "superseded", audit)
        superseded = conn.changed(update)
        conn.execute(drop)
        for sql in rq.pending_drafts(d):
            conn.execute(sql)
        queued = {
            "held": len(quarantine.held_keys(conn)),
            "superseded": superseded,
            # items, then POs: a PO waits for its lines' items, a bill whose PO is on its way for it, to link
            "ItemNonInventoryAdd": _enqueue(conn, rq.po_item_adds(d), "asset:outbox_bills"),
            "PurchaseOrderAdd": _enqueue(conn, rq.purchase_order_adds(d), "asset:outbox_bills"),
            "PurchaseOrderMod": _enqueue(conn, rq.purchase_order_mods(d), "asset:outbox_bills"),
            "BillAdd": _enqueue(conn, rq.bill_adds(d), "asset:outbox_bills"),
            "BillMod": _enqueue(conn, rq.bill_mods(d), "asset:outbox_bills"),
            "VendorCreditAdd": _enqueue(conn, rq.vendor_credit_adds(d), "asset:outbox_bills"),
            "VendorCreditMod": _enqueue(conn, rq.vendor_credit_mods(d), "asset:outbox_bills"),
            "TxnVoid": _enqueue(conn, cancellations.voids(d), "asset:outbox_bills"),
        }
        for sql in rq.drop_pending():
            conn.execute(sql)
        return queued


def enqueue_payments(wh: Warehouse) -> dict[str, int]:
    d = dialect(wh.backend)
    with wh.connect() as conn:
        return {"BillPaymentCheckAdd": _enqueue(conn, rq.bill_payments(d), "asset:outbox_bill_payments")}


def reference_windows(conn, row: dict, at: datetime) -> list[tuple[str | None, str | None]]:
    """(from, to) local times of the windows one read of `row` (reference_watermarks) goes as: from the watermark (less
    the overlap) to `at` (UTC, when the read is queued), cut where every rq.WINDOW_RECORDS records the mirror knows
    since then, windows meeting on a second both include; one window when the query does not page or the mirror knows
    too few. The last window closes at `at` too: left open, it took in every change the file saw while it waited, and
    a busy file grew it faster than sessions cut short could page through it (in the 10,000-record soaks a BillQuery
    restarted its iterator for more than 6,700 pages). What changes later is the next read's: it starts no later than
    this close (rq.reference_watermarks), less the overlap."""
    if not row["watermark"]:
        return [(None, None)]
    zone = (row["time_zone"], row["utc_offset_minutes"])
    since = qb_clock.filter_time(row["watermark"], *zone)
    if not rq.windowed(row["op"]):
        return [(since, None)]
    times = [
        t
        for (t,) in conn.fetchall(rq.reference_times(row["op"]), [row["company"], row["watermark"] - qb_clock.OVERLAP])
    ]
    cuts = sorted({qb_clock.boundary_time(t, *zone) for t in times[rq.WINDOW_RECORDS :: rq.WINDOW_RECORDS]})
    edges = [since, *(c for c in cuts if c > since)]
    return list(zip(edges, [*edges[1:], max(edges[-1], qb_clock.closing_time(at, *zone))], strict=True))


def enqueue_reference_queries(wh: Warehouse) -> dict[str, int]:
    """One read per mirror table and company, from its watermark, unless one is still waiting to be answered; a
    read that pages goes as windows of modified time (reference_windows)."""
    stamp = now()
    with wh.connect() as conn:
        due = conn.records(rq.reference_watermarks())
        frame = pd.DataFrame(
            [
                {
                    "company": row["company"],
                    "op": row["op"],
                    "dedup_key": f"qb:{row['op']}:{stamp.isoformat()}" + (f":{n}" if n else ""),
                    "record_key": f"qb:{row['op']}",
                    "payload": rq.reference_query_payload(row["op"], since, until),
                }
                for row in due
                if not row["live"]
                for n, (since, until) in enumerate(reference_windows(conn, row, stamp))
            ]
        )
        queued = enqueue(conn, frame, actor="asset:qb_reference_queries") if not frame.empty else 0
    return {"queued": queued, "waiting": sum(1 for row in due if row["live"])}
