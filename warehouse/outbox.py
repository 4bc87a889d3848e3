"""The qbXML outbox queue: enqueue with dedup (the same dedup key twice is a no-op), audited."""

from __future__ import annotations

import hashlib

import pandas as pd

from warehouse.audit import now, record_from_query
from warehouse.store import Conn

ENQUEUE_COLUMNS = ["company", "op", "dedup_key", "record_key", "payload"]


def request_id_for(company: str, dedup_key: str) -> str:
    """The outbox request_id of a dedup key: stable, so dependents can name it before it exists (33 chars)."""
    return "q" + hashlib.sha1(f"{company}\0{dedup_key}".encode()).hexdigest()[:32]


def enqueue(conn: Conn, requests: pd.DataFrame, actor: str = "outbox") -> int:
    """Queue requests (columns: company, op, dedup_key, record_key, payload[, depends_on]); returns rows added.

    A dedup key already queued for the company is left as it is, whatever its status. `depends_on` is the
    request_id (see request_id_for) that must be done before this one is sent.
    """
    if requests.empty:
        return 0
    missing = [c for c in ENQUEUE_COLUMNS if c not in requests]
    if missing:
        raise ValueError(f"enqueue needs columns {missing}")
    frame = requests.drop_duplicates(subset=["company", "dedup_key"], keep="last").copy()
    frame["request_id"] = [request_id_for(c, k) for c, k in zip(frame["company"], frame["dedup_key"], strict=True)]
    if "depends_on" not in frame:
        frame["depends_on"] = None
    stamp = now()
    frame["status"] = "pending"
    frame["created_at"] = stamp
    frame["updated_at"] = stamp
    staged = conn.stage(frame, like="qbxml_outbox")
    new_rows = (
        f"SELECT s.company, s.record_key, s.request_id, NULL AS detail FROM {staged} s "
        "WHERE NOT EXISTS (SELECT 1 FROM qbxml_outbox o WHERE o.company = s.company AND o.dedup_key = s.dedup_key)"
    )
    before = conn.scalar("SELECT count(*) FROM qbxml_outbox")
    record_from_query(conn, actor, "queued", new_rows)
    cols = ", ".join(frame.columns)
    conn.execute(f"INSERT INTO qbxml_outbox ({cols}) SELECT {cols} FROM {staged} ON CONFLICT DO NOTHING")
    return conn.scalar("SELECT count(*) FROM qbxml_outbox") - before
