"""The qbXML outbox queue: enqueue with dedup (the same dedup key twice is a no-op), audited."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import pandas as pd

from warehouse.audit import now, record, record_from_query
from warehouse.states import FINISHED, SENDABLE, Request, sql_list
from warehouse.store import Array, Conn

ENQUEUE_COLUMNS = ["company", "op", "dedup_key", "record_key", "payload"]


def request_id_for(company: str, dedup_key: str) -> str:
    """The outbox request_id of a dedup key: stable, so dependents can name it before it exists (33 chars).
    The same as request_id_sql computes in the warehouse."""
    return "q" + hashlib.sha256(f"{company}\0{dedup_key}".encode()).hexdigest()[:32]


def request_id_sql(backend: str, company: str, dedup_key: str) -> str:
    """SQL: request_id_for(company, dedup_key) of two text expressions."""
    if backend == "postgres":
        digest = f"sha256(convert_to({company}, 'UTF8') || '\\x00'::bytea || convert_to({dedup_key}, 'UTF8'))"
        return f"'q' || substr(encode({digest}, 'hex'), 1, 32)"
    return f"'q' || substr(sha256({company} || chr(0) || {dedup_key}), 1, 32)"


def enqueue(conn: Conn, requests: pd.DataFrame, actor: str = "outbox") -> int:
    """Queue requests (columns: company, op, dedup_key, record_key, payload[, depends_on]); returns rows added.

    A dedup key already queued for the company is left as it is, whatever its status (the last of a key given
    twice counts). `depends_on` is the request_id (see request_id_for) that must be done before this one is sent.
    """
    if requests.empty:
        return 0
    missing = [c for c in ENQUEUE_COLUMNS if c not in requests]
    if missing:
        raise ValueError(f"enqueue needs columns {missing}")
    frame = requests.drop_duplicates(subset=["company", "dedup_key"], keep="last")
    frame = frame[[*ENQUEUE_COLUMNS, "depends_on"]] if "depends_on" in frame else frame.assign(depends_on=None)
    staged = conn.stage(frame[[*ENQUEUE_COLUMNS, "depends_on"]], like="qbxml_outbox")
    return enqueue_query(conn, f"SELECT * FROM {staged}", actor)


def enqueue_query(conn: Conn, select_sql: str, actor: str = "outbox") -> int:
    """Queue the requests `select_sql` yields (company, op, dedup_key, record_key, payload as JSON or JSON text,
    depends_on) as enqueue() does, all in the warehouse: ids hashed in SQL, the dedup key's unique index deciding
    what is new (one of a key given twice counts); returns rows added."""
    stamp = now()
    name = f"_queue_{uuid.uuid4().hex}"
    keep = " ON COMMIT DROP" if conn.backend == "postgres" else ""
    json_type = "JSONB" if conn.backend == "postgres" else "JSON"
    conn.execute(
        f"CREATE TEMP TABLE {name}{keep} AS SELECT company, op, dedup_key, record_key, payload, depends_on, "
        f"{request_id_sql(conn.backend, 'company', 'dedup_key')} AS request_id FROM (SELECT r.*, "
        f"row_number() OVER (PARTITION BY r.company, r.dedup_key) AS n FROM ({select_sql}) r) q WHERE n = 1"
    )
    # nothing to queue (the usual answer of an incremental run): no insert, no audit
    added = conn.scalar(f"SELECT count(*) FROM {name}") and conn.changed(
        "INSERT INTO qbxml_outbox (request_id, company, op, dedup_key, record_key, payload, depends_on, status, "
        f"created_at, updated_at) SELECT request_id, company, op, dedup_key, record_key, CAST(payload AS {json_type}), "
        f"depends_on, '{Request.PENDING}', ?, ? FROM {name} ON CONFLICT (company, dedup_key) DO NOTHING",
        [stamp, stamp],
    )
    if added:
        record_from_query(
            conn,
            actor,
            "queued",
            "SELECT o.company, o.record_key, o.request_id, NULL AS detail FROM qbxml_outbox o WHERE o.created_at = ? "
            f"AND o.request_id IN (SELECT request_id FROM {name}) ORDER BY o.request_id",
            [stamp],
        )
    if conn.backend == "duckdb":
        conn.execute(f"DROP TABLE {name}")
    return added


# -- delivery: the state machine the bridge drives ------------------------------------------------------------
# pending/retry/unknown --claim+mark_sent--> sent --settle--> done | failed | retry | pending | unknown
# `next_action` says what a claimed row sends: send (the request), lookup (is an Add already in QuickBooks?),
# requery (fresh EditSequence before a Mod: every Mod reads its object in the session it is sent in), continue
# (the next page of an iterator).

ROW_COLUMNS = (
    "request_id, company, op, dedup_key, record_key, payload, depends_on, status, attempts, ticket, batch_id, "
    "qb_id, qb_edit_sequence, last_status_code, last_error, next_attempt_at, next_action, sent_action, "
    "iterator_id, iterator_ticket, watermark, external_guid, add_batch_id, edit_sequence_ticket"
)
# What settling reads of a sent row: all but the payload (decoding 200 JSON payloads per answer is the costly part).
SENT_COLUMNS = ", ".join(c.strip() for c in ROW_COLUMNS.split(",") if c.strip() != "payload")
# Columns settle() writes.
SETTLE_COLUMNS = (
    "status",
    "next_action",
    "qb_id",
    "qb_edit_sequence",
    "last_status_code",
    "last_error",
    "next_attempt_at",
    "iterator_id",
    "iterator_ticket",
    "watermark",
    "add_batch_id",
    "edit_sequence_ticket",
)
LOOKUP_CHUNK = 1000  # request ids per primary-key lookup
# Every row still in play (sendable or sent) has no settled_at; every settled one (done, failed, superseded) has one.
# Said beside the status, it lets DuckDB skip the history: a stretch of settled rows holds no NULL there, whatever
# mix of statuses it holds (its status range, done..superseded, spans every live status).
LIVE = "settled_at IS NULL"
FINAL = (Request.DONE, Request.FAILED)


def _rows(conn: Conn, sql: str, params: list) -> list[dict]:
    rows = conn.records(sql, params)
    for row in rows:
        if isinstance(row.get("payload"), str):
            row["payload"] = json.loads(row["payload"])
    return rows


def _among(column: str) -> str:
    """SQL: `column` is one of the values of an array parameter (a short list the outbox is filtered by)."""
    return f"{column} IN (SELECT unnest(CAST(? AS TEXT[])))"


def _by_id(ids: Sequence[str]) -> tuple[str, list]:
    """(SQL condition, parameters): request_id is one of `ids`, as literals a primary-key lookup can use."""
    return f"request_id IN ({', '.join('?' for _ in ids)})", list(ids)


def dependencies(conn: Conn, company: str) -> dict[str, dict]:
    """request_id -> (op, record_key, status, last_error, next_attempt_at) of each row a sendable row of `company`
    waits on. Looked up by key from the live rows, so the cost follows the work in the outbox, not its history."""
    wanted = sorted(
        r[0]
        for r in conn.fetchall(
            f"SELECT DISTINCT depends_on FROM qbxml_outbox WHERE company = ? AND {LIVE} "
            f"AND status IN {sql_list(*SENDABLE)} AND depends_on IS NOT NULL",
            [company],
        )
    )
    found: dict[str, dict] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        where, params = _by_id(wanted[start : start + LOOKUP_CHUNK])
        rows = conn.records(
            f"SELECT request_id, op, record_key, status, last_error, next_attempt_at FROM qbxml_outbox WHERE {where}",
            params,
        )
        found.update((r["request_id"], r) for r in rows)
    return found


def fail_blocked(conn: Conn, company: str, actor: str = "bridge", deps: dict[str, dict] | None = None) -> int:
    """Fail every waiting row whose dependency failed ("blocked: ..."), along whole chains; returns rows failed.
    `deps`: dependencies(), when the caller has it."""
    total = 0
    while True:
        deps = dependencies(conn, company) if deps is None else deps
        failed = {k: d for k, d in deps.items() if d["status"] == Request.FAILED}
        deps = None
        if not failed:
            return total
        blocked = _rows(
            conn,
            f"SELECT {SENT_COLUMNS} FROM qbxml_outbox WHERE company = ? AND {LIVE} AND status IN {sql_list(*SENDABLE)} "
            f"AND {_among('depends_on')} ORDER BY request_id",
            [company, Array(failed)],
        )
        changes = []
        for row in blocked:
            dep = failed[row["depends_on"]]
            reason = f"blocked: {dep['op'].removesuffix('Add').lower()} {dep['record_key']} failed: {dep['last_error']}"
            changes.append(
                {**row, "status": Request.FAILED, "last_error": reason, "event": "failed", "detail": {"reason": reason}}
            )
        total += settle(conn, changes, actor)


def unblocked_dependencies(conn: Conn, company: str, actor: str = "bridge") -> dict[str, dict]:
    """fail_blocked, then the dependencies() of the rows still waiting: what claim and workable are given."""
    deps = dependencies(conn, company)
    if any(d["status"] == Request.FAILED for d in deps.values()):
        fail_blocked(conn, company, actor, deps)
        deps = dependencies(conn, company)
    return deps


def claim(conn: Conn, company: str, limit: int, deps: dict[str, dict] | None = None) -> list[dict]:
    """Up to `limit` sendable rows of `company`, oldest first, whose dependency is done (`deps`: dependencies()).

    On PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED until this transaction ends, so concurrent bridge
    processes never hand out the same row; mark the ones sent with mark_sent in the same transaction.
    """
    deps = dependencies(conn, company) if deps is None else deps
    lock = " FOR UPDATE SKIP LOCKED" if conn.backend == "postgres" else ""
    return _rows(
        conn,
        f"SELECT {ROW_COLUMNS} FROM qbxml_outbox WHERE company = ? AND {LIVE} AND status IN {sql_list(*SENDABLE)} "
        "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
        f"AND (depends_on IS NULL OR {_among('depends_on')}) "
        f"ORDER BY created_at, request_id LIMIT ?{lock}",
        [company, now(), Array(k for k, d in deps.items() if d["status"] == Request.DONE), limit],
    )


def mark_sent(conn: Conn, rows: list[dict], ticket: str, batch_id: str, actor: str = "bridge") -> None:
    """The rows (each with the `sent_action` it carries) went out in `batch_id`: status sent, in one statement.

    A send or a page counts as one more attempt; a lookup or a re-query (a read for the current EditSequence) never
    changes QuickBooks and does not: a Mod that met a stale EditSequence gets its full count of sends.
    An Add sent remembers `batch_id` (add_batch_id) and its ExternalGUID until its outcome is known.
    """
    if not rows:
        return
    stamp = now()
    sent = [{k: r.get(k) for k in ("request_id", "sent_action", "external_guid")} for r in rows]
    values, params = conn.rows_sql("qbxml_outbox", sent, ("request_id", "sent_action", "external_guid"))
    where, ids = _by_id([r["request_id"] for r in rows])
    adds = "s.sent_action = 'send' AND qbxml_outbox.op LIKE '%Add'"
    conn.execute(
        f"UPDATE qbxml_outbox SET status = '{Request.SENT}', "
        "attempts = attempts + CASE WHEN s.sent_action IN ('lookup', 'requery') THEN 0 ELSE 1 END, "
        f"ticket = ?, batch_id = ?, add_batch_id = CASE WHEN {adds} THEN ? ELSE qbxml_outbox.add_batch_id END, "
        f"external_guid = CASE WHEN {adds} THEN s.external_guid ELSE qbxml_outbox.external_guid END, "
        f"sent_action = s.sent_action, sent_at = ?, updated_at = ? FROM ({values}) s "
        f"WHERE qbxml_outbox.request_id = s.request_id AND qbxml_outbox.{where}",
        [ticket, batch_id, batch_id, stamp, stamp, *params, *ids],
    )
    events = [
        {**_event(r, actor, "sent"), "detail": {"batch_id": batch_id, "action": r["sent_action"]}}
        for r in sorted(rows, key=lambda r: r["request_id"])
    ]
    record(conn, events)


def batch_rows(conn: Conn, batch_id: str) -> list[dict]:
    """The rows still waiting for the answer to `batch_id` (every column but the payload)."""
    return _rows(
        conn,
        f"SELECT {SENT_COLUMNS} FROM qbxml_outbox WHERE {LIVE} AND status = '{Request.SENT}' AND batch_id = ? "
        "ORDER BY request_id",
        [batch_id],
    )


def answer_rows(conn: Conn, batch_id: str) -> list[dict]:
    """What an answer to `batch_id` settles: the rows still waiting for it, and the Adds it carried whose outcome is
    still open although the row moved on (swept as abandoned, waiting for a lookup, failed after its attempts),
    each of those as a sent Add (sent_action 'send'). Every column but the payload."""
    mine = f"{LIVE} AND status = '{Request.SENT}' AND batch_id = ?"
    moved_on = SENT_COLUMNS.replace("sent_action", "'send' AS sent_action")
    # two selects, not one with OR: each filter alone lets DuckDB skip the history (an OR across columns scans it)
    return _rows(
        conn,
        f"SELECT {SENT_COLUMNS} FROM qbxml_outbox WHERE {mine} UNION ALL "
        f"SELECT {moved_on} FROM qbxml_outbox WHERE add_batch_id = ? AND status NOT IN {sql_list(*FINISHED)} "
        "AND NOT (status = ? AND batch_id = ?) ORDER BY request_id",
        [batch_id, batch_id, Request.SENT, batch_id],
    )


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
    SETTLE_COLUMNS column, e.g. the claimed row updated) plus `event` and optional `detail` for the audit log."""
    if not changes:
        return 0
    stamp = now()
    rows = [
        {"request_id": c["request_id"], **{k: c.get(k) for k in SETTLE_COLUMNS}, "settled_at": _settled(c, stamp)}
        for c in changes
    ]
    values, params = conn.rows_sql("qbxml_outbox", rows, list(rows[0]))
    where, ids = _by_id([c["request_id"] for c in changes])
    sets = ", ".join(f"{col} = s.{col}" for col in (*SETTLE_COLUMNS, "settled_at"))
    conn.execute(
        f"UPDATE qbxml_outbox SET {sets}, updated_at = ? FROM ({values}) s "
        f"WHERE qbxml_outbox.request_id = s.request_id AND qbxml_outbox.{where}",
        [stamp, *params, *ids],
    )
    record(conn, [{**_event(c, actor, c["event"]), "detail": c.get("detail")} for c in changes])
    return len(changes)


def _settled(change: dict, stamp: datetime) -> datetime | None:
    return stamp if change["status"] in FINAL else None


def mark_unknown(conn: Conn, batch_id: str, reason: str, max_attempts: int, actor: str = "bridge") -> int:
    """The answer to `batch_id` is lost: its Adds must be looked up before any resend (never a blind re-add);
    queries and Mods simply go again. An Add sent `max_attempts` times is failed for review instead, still to be
    looked up first when replayed (or settled by a late answer)."""
    changes = []
    for row in batch_rows(conn, batch_id):
        is_add = row["op"].endswith("Add")
        if is_add and row["attempts"] >= max_attempts:
            change = {**row, "status": Request.FAILED, "next_action": "lookup", "event": "failed"}
            change["last_error"] = f"outcome unknown after {row['attempts']} attempts ({reason}): check QuickBooks"
        elif is_add:
            change = {**row, "status": Request.UNKNOWN, "next_action": "lookup", "event": "unknown"}
            change["last_error"] = f"outcome unknown: {reason}"
        else:
            change = {**row, "status": Request.PENDING, "next_action": row["sent_action"], "event": "pending"}
            change["last_error"] = f"resend: {reason}"
        change["detail"] = {"batch_id": batch_id, "reason": reason}
        changes.append(change)
    return settle(conn, changes, actor)


def workable(conn: Conn, company: str, deps: dict[str, dict] | None = None) -> int:
    """Rows of `company` this session can still move: sendable now, waiting on a dependency that is on its way,
    or in flight. Retries not yet due and rows blocked on a missing dependency wait for a later session.
    `deps`: dependencies(), when the caller has it."""
    stamp = now()
    deps = dependencies(conn, company) if deps is None else deps
    moving = [
        k
        for k, d in deps.items()
        if d["status"] in (Request.DONE, Request.SENT, Request.PENDING, Request.UNKNOWN)
        or (d["status"] == Request.RETRY and (d["next_attempt_at"] is None or d["next_attempt_at"] <= stamp))
    ]
    return conn.scalar(
        f"SELECT count(*) FROM qbxml_outbox WHERE company = ? AND {LIVE} AND (status = '{Request.SENT}' "
        f"OR (status IN {sql_list(*SENDABLE)} "
        f"AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND (depends_on IS NULL OR {_among('depends_on')})))",
        [company, stamp, Array(moving)],
    )


def sweep_abandoned(conn: Conn, company: str, idle_seconds: int, max_attempts: int, actor: str = "bridge") -> int:
    """Batches of `company` whose session is gone (closed, expired, silent past `idle_seconds`, unknown) with no
    answer: their outcome is unknown (see mark_unknown). Returns the rows affected."""
    stamp = now()
    batches = conn.fetchall(
        "SELECT DISTINCT o.batch_id FROM qbxml_outbox o LEFT JOIN qbwc_sessions s ON s.ticket = o.ticket "
        f"WHERE o.company = ? AND o.{LIVE} AND o.status = '{Request.SENT}' "
        "AND (s.ticket IS NULL OR s.closed_at IS NOT NULL OR s.expires_at <= ? OR s.last_seen_at <= ?)",
        [company, stamp, stamp - timedelta(seconds=idle_seconds)],
    )
    reason = "the session ended before QuickBooks' answer arrived"
    return sum(mark_unknown(conn, b, reason, max_attempts, actor) for (b,) in batches)


def sendable_rows(conn: Conn) -> list[dict]:
    """Every row still to be sent (pending, retry, unknown), per company in queue order; nothing is locked."""
    return _rows(
        conn,
        f"SELECT {ROW_COLUMNS} FROM qbxml_outbox WHERE {LIVE} AND status IN {sql_list(*SENDABLE)} "
        "ORDER BY company, created_at, request_id",
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
        f"FROM qbxml_outbox WHERE status = '{Request.FAILED}' {where}ORDER BY updated_at DESC, record_key",
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
