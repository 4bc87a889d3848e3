"""The qbXML outbox queue: enqueue with dedup (the same dedup key twice is a no-op), audited."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

import pandas as pd

from warehouse.audit import now, record, record_from_query
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


# -- delivery: the state machine the bridge drives ------------------------------------------------------------
# pending/retry/unknown --claim+mark_sent--> sent --settle--> done | failed | retry | pending | unknown
# `next_action` says what a claimed row sends: send (the request), lookup (is an Add already in QuickBooks?),
# requery (fresh EditSequence before a Mod), continue (the next page of an iterator).

SENDABLE = ("pending", "retry", "unknown")
ROW_COLUMNS = (
    "request_id, company, op, dedup_key, record_key, payload, depends_on, status, attempts, ticket, batch_id, "
    "qb_id, qb_edit_sequence, last_status_code, last_error, next_attempt_at, next_action, sent_action, "
    "iterator_id, iterator_ticket, watermark, external_guid, add_batch_id"
)
# What settling reads of a sent row: all but the payload (decoding 200 JSON payloads per answer is the costly part).
SENT_COLUMNS = ", ".join(c.strip() for c in ROW_COLUMNS.split(",") if c.strip() != "payload")
# Columns settle() writes, with their SQL types (casts keep both backends' staged types honest).
SETTLE_TYPES = {
    "status": "TEXT",
    "next_action": "TEXT",
    "qb_id": "TEXT",
    "qb_edit_sequence": "TEXT",
    "last_status_code": "INTEGER",
    "last_error": "TEXT",
    "next_attempt_at": "TIMESTAMP",
    "iterator_id": "TEXT",
    "iterator_ticket": "TEXT",
    "watermark": "TEXT",
    "add_batch_id": "TEXT",
}
FINAL = ("done", "failed")


def _rows(conn: Conn, sql: str, params: list) -> list[dict]:
    rows = conn.records(sql, params)
    for row in rows:
        if isinstance(row.get("payload"), str):
            row["payload"] = json.loads(row["payload"])
    return rows


def fail_blocked(conn: Conn, company: str, actor: str = "bridge") -> int:
    """Fail every waiting row whose dependency failed ("blocked: ..."), along whole chains; returns rows failed."""
    total = 0
    while True:
        blocked = conn.records(
            "SELECT o.request_id, o.company, o.record_key, d.op AS dep_op, d.record_key AS dep_key, "
            "d.last_error AS dep_error FROM qbxml_outbox o JOIN qbxml_outbox d ON d.request_id = o.depends_on "
            f"WHERE o.company = ? AND o.status IN {SENDABLE} AND d.status = 'failed'",
            [company],
        )
        if not blocked:
            return total
        stamp = now()
        reasons = [
            f"blocked: {b['dep_op'].removesuffix('Add').lower()} {b['dep_key']} failed: {b['dep_error']}"
            for b in blocked
        ]
        conn.executemany(
            "UPDATE qbxml_outbox SET status = 'failed', last_error = ?, updated_at = ?, settled_at = ? "
            "WHERE request_id = ?",
            [[r, stamp, stamp, b["request_id"]] for r, b in zip(reasons, blocked, strict=True)],
        )
        record(
            conn,
            [{**_event(b, actor, "failed"), "detail": {"reason": r}} for r, b in zip(reasons, blocked, strict=True)],
        )
        total += len(blocked)


def claim(conn: Conn, company: str, limit: int) -> list[dict]:
    """Up to `limit` sendable rows of `company`, oldest first, whose dependency is done.

    On PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED until this transaction ends, so concurrent bridge
    processes never hand out the same row; mark the ones sent with mark_sent in the same transaction.
    """
    lock = " FOR UPDATE OF o SKIP LOCKED" if conn.backend == "postgres" else ""
    cols = ", ".join(f"o.{c.strip()}" for c in ROW_COLUMNS.split(","))
    return _rows(
        conn,
        f"SELECT {cols} FROM qbxml_outbox o WHERE o.company = ? AND o.status IN {SENDABLE} "
        "AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?) "
        "AND (o.depends_on IS NULL OR EXISTS (SELECT 1 FROM qbxml_outbox d "
        "WHERE d.request_id = o.depends_on AND d.status = 'done')) "
        f"ORDER BY o.created_at, o.request_id LIMIT ?{lock}",
        [company, now(), limit],
    )


def mark_sent(conn: Conn, rows: list[dict], ticket: str, batch_id: str, actor: str = "bridge") -> None:
    """The rows (each with the `sent_action` it carries) went out in `batch_id`: status sent.

    A send, a re-query or a page counts as one more attempt; a lookup never changes QuickBooks and does not.
    An Add sent remembers `batch_id` (add_batch_id) and its ExternalGUID until its outcome is known.
    """
    if not rows:
        return
    stamp = now()
    frame = pd.DataFrame(
        {
            "request_id": [r["request_id"] for r in rows],
            "sent_action": [r["sent_action"] for r in rows],
            "external_guid": [r.get("external_guid") for r in rows],
        }
    )
    staged = conn.stage(frame, like="qbxml_outbox")
    adds = "s.sent_action = 'send' AND qbxml_outbox.op LIKE '%Add'"
    conn.execute(
        "UPDATE qbxml_outbox SET status = 'sent', "
        "attempts = attempts + CASE WHEN s.sent_action = 'lookup' THEN 0 ELSE 1 END, "
        f"ticket = ?, batch_id = ?, add_batch_id = CASE WHEN {adds} THEN ? ELSE qbxml_outbox.add_batch_id END, "
        f"external_guid = CASE WHEN {adds} THEN s.external_guid ELSE qbxml_outbox.external_guid END, "
        f"sent_action = s.sent_action, sent_at = ?, updated_at = ? FROM {staged} s "
        "WHERE qbxml_outbox.request_id = s.request_id",
        [ticket, batch_id, batch_id, stamp, stamp],
    )
    json_object = "json_build_object" if conn.backend == "postgres" else "json_object"
    record_from_query(  # one event per row, built from the staged rows in SQL (no second bulk load)
        conn,
        actor,
        "sent",
        f"SELECT o.company, o.record_key, o.request_id, {json_object}('batch_id', o.batch_id, 'action', s.sent_action) "
        f"AS detail FROM {staged} s JOIN qbxml_outbox o ON o.request_id = s.request_id ORDER BY o.request_id",
    )


def batch_rows(conn: Conn, batch_id: str) -> list[dict]:
    """The rows still waiting for the answer to `batch_id` (every column but the payload)."""
    return _rows(
        conn,
        f"SELECT {SENT_COLUMNS} FROM qbxml_outbox WHERE batch_id = ? AND status = 'sent' ORDER BY request_id",
        [batch_id],
    )


def late_rows(conn: Conn, batch_id: str) -> list[dict]:
    """Adds `batch_id` carried whose outcome is still open although the row moved on (swept as abandoned, waiting
    for a lookup, failed after its attempts): a late answer to `batch_id` settles them, each as a sent Add."""
    rows = _rows(
        conn,
        f"SELECT {SENT_COLUMNS} FROM qbxml_outbox WHERE add_batch_id = ? "
        "AND NOT (batch_id = ? AND status = 'sent') AND status NOT IN ('done', 'superseded') ORDER BY request_id",
        [batch_id, batch_id],
    )
    return [{**r, "sent_action": "send"} for r in rows]


def end_message(conn: Conn, batch_id: str) -> None:
    """QuickBooks is done with `batch_id` (answered, refused, or the Web Connector moved on or gave up)."""
    conn.execute("UPDATE qbxml_messages SET ended_at = ? WHERE batch_id = ? AND ended_at IS NULL", [now(), batch_id])


def open_messages(conn: Conn, batch_ids: set[str], wait_seconds: float) -> dict[str, datetime]:
    """Those of `batch_ids` QuickBooks may still be running, each with the moment that stops being so: no end
    seen, their session neither closed nor expired, sent less than `wait_seconds` ago (a slow QuickBooks keeps a
    silent session's message; a lookup cannot see what it has not applied yet)."""
    if not batch_ids:
        return {}
    stamp = now()
    marks = ", ".join("?" for _ in batch_ids)
    found = conn.fetchall(
        "SELECT m.batch_id, m.sent_at FROM qbxml_messages m JOIN qbwc_sessions s ON s.ticket = m.ticket "
        f"WHERE m.batch_id IN ({marks}) AND m.ended_at IS NULL AND s.closed_at IS NULL AND s.expires_at > ? "
        "AND m.sent_at > ?",
        [*sorted(batch_ids), stamp, stamp - timedelta(seconds=wait_seconds)],
    )
    return {b: sent + timedelta(seconds=wait_seconds) for b, sent in found}


def settle(conn: Conn, changes: list[dict], actor: str = "bridge") -> int:
    """Apply new states in one statement. Each change is a row dict (request_id, company, record_key and every
    SETTLE_TYPES column, e.g. the claimed row updated) plus `event` and optional `detail` for the audit log."""
    if not changes:
        return 0
    stamp = now()
    frame = pd.DataFrame([{k: c.get(k) for k in ("request_id", *SETTLE_TYPES)} for c in changes])
    frame["last_status_code"] = frame["last_status_code"].astype("Int64")  # never 3170.0 in COPY's CSV
    frame["settled_at"] = [stamp if c["status"] in FINAL else None for c in changes]
    staged = conn.stage(frame, like="qbxml_outbox")
    sets = ", ".join(f"{col} = CAST(s.{col} AS {kind})" for col, kind in SETTLE_TYPES.items())
    conn.execute(
        f"UPDATE qbxml_outbox SET {sets}, settled_at = CAST(s.settled_at AS TIMESTAMP), updated_at = ? "
        f"FROM {staged} s WHERE qbxml_outbox.request_id = s.request_id",
        [stamp],
    )
    record(conn, [{**_event(c, actor, c["event"]), "detail": c.get("detail")} for c in changes])
    return len(changes)


def mark_unknown(conn: Conn, batch_id: str, reason: str, max_attempts: int, actor: str = "bridge") -> int:
    """The answer to `batch_id` is lost: its Adds must be looked up before any resend (never a blind re-add);
    queries and Mods simply go again. An Add sent `max_attempts` times is failed for review instead, still to be
    looked up first when replayed (or settled by a late answer)."""
    changes = []
    for row in batch_rows(conn, batch_id):
        is_add = row["op"].endswith("Add")
        if is_add and row["attempts"] >= max_attempts:
            change = {**row, "status": "failed", "next_action": "lookup", "event": "failed"}
            change["last_error"] = f"outcome unknown after {row['attempts']} attempts ({reason}): check QuickBooks"
        elif is_add:
            change = {**row, "status": "unknown", "next_action": "lookup", "event": "unknown"}
            change["last_error"] = f"outcome unknown: {reason}"
        else:
            change = {**row, "status": "pending", "next_action": row["sent_action"], "event": "pending"}
            change["last_error"] = f"resend: {reason}"
        change["detail"] = {"batch_id": batch_id, "reason": reason}
        changes.append(change)
    return settle(conn, changes, actor)


def workable(conn: Conn, company: str) -> int:
    """Rows of `company` this session can still move: sendable now, waiting on a dependency that is on its way,
    or in flight. Retries not yet due and rows blocked on a missing dependency wait for a later session."""
    stamp = now()
    return conn.scalar(
        "SELECT count(*) FROM qbxml_outbox o LEFT JOIN qbxml_outbox d ON d.request_id = o.depends_on "
        f"WHERE o.company = ? AND (o.status = 'sent' OR (o.status IN {SENDABLE} "
        "AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?) "
        "AND (o.depends_on IS NULL OR d.status IN ('done', 'sent', 'pending', 'unknown') "
        "OR (d.status = 'retry' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ?)))))",
        [company, stamp, stamp],
    )


def sweep_abandoned(conn: Conn, company: str, idle_seconds: int, max_attempts: int, actor: str = "bridge") -> int:
    """Batches of `company` whose session is gone (closed, expired, silent past `idle_seconds`, unknown) with no
    answer: their outcome is unknown (see mark_unknown). Returns the rows affected."""
    stamp = now()
    batches = conn.fetchall(
        "SELECT DISTINCT o.batch_id FROM qbxml_outbox o LEFT JOIN qbwc_sessions s ON s.ticket = o.ticket "
        "WHERE o.company = ? AND o.status = 'sent' AND (s.ticket IS NULL OR s.closed_at IS NOT NULL "
        "OR s.expires_at <= ? OR s.last_seen_at <= ?)",
        [company, stamp, stamp - timedelta(seconds=idle_seconds)],
    )
    reason = "the session ended before QuickBooks' answer arrived"
    return sum(mark_unknown(conn, b, reason, max_attempts, actor) for (b,) in batches)


def sendable_rows(conn: Conn) -> list[dict]:
    """Every row still to be sent (pending, retry, unknown), per company in queue order; nothing is locked."""
    return _rows(
        conn,
        f"SELECT {ROW_COLUMNS} FROM qbxml_outbox WHERE status IN {SENDABLE} ORDER BY company, created_at, request_id",
        [],
    )


def status_counts(conn: Conn) -> list[dict]:
    """Rows per company and status."""
    return conn.records(
        "SELECT company, status, count(*) AS n FROM qbxml_outbox GROUP BY company, status ORDER BY company, status"
    )


def failed_rows(conn: Conn, company: str | None = None) -> list[dict]:
    """Failed requests, newest first, with what QuickBooks (or the bridge) said."""
    where, params = ("AND company = ? ", [company]) if company else ("", [])
    return conn.records(
        "SELECT company, op, record_key, request_id, attempts, last_status_code, last_error, updated_at "
        f"FROM qbxml_outbox WHERE status = 'failed' {where}ORDER BY updated_at DESC, record_key",
        params,
    )


def _event(row: dict, actor: str, event: str) -> dict:
    return {
        "actor": actor,
        "company": row["company"],
        "record_key": row["record_key"],
        "event": event,
        "request_id": row["request_id"],
    }
