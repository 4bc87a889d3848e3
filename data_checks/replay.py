"""Replay after a fix: failed outbox rows back to pending, quarantined records released for re-evaluation.

A replay reuses the outbox row (same dedup key and request_id), so it can never add a second request for a
document, and a replayed Add is looked up in QuickBooks before it is sent, exactly as the bridge does after a lost
answer: one QuickBooks applied while its answer went missing is linked, never added again. It refuses where a
resend could duplicate: the record already has a done Add, a later request superseded the failed one, or a
request's outcome is `unknown` (the bridge resolves that by a lookup first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from data_checks import quarantine
from warehouse import cloud_outbox
from warehouse.audit import now, record
from warehouse.states import Request, sql_list
from warehouse.store import Conn

ACTOR = "cli:replay"
_RELATIVE = re.compile(r"^(\d+)\s*([mhd])$")


@dataclass
class ReplayResult:
    """What a replay did: rows re-queued, quarantine rows released, and what it refused and why."""

    requeued: list[dict] = field(default_factory=list)  # request_id, record_key, op, last_error
    cloud_requeued: list[dict] = field(default_factory=list)  # failed writes to source systems, back to pending
    released: list[dict] = field(default_factory=list)  # record_key, check_name, reason
    skipped: list[dict] = field(default_factory=list)  # request_id, record_key, reason
    still_held: list[str] = field(default_factory=list)  # released keys the rules quarantined again


def parse_since(text: str | None, reference: datetime | None = None) -> datetime | None:
    """An ISO date/time (UTC) or a span back from now: '30m', '6h', '2d'."""
    if not text:
        return None
    match = _RELATIVE.match(text.strip())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        span = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
        return (reference or now()) - span
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"--since {text!r}: use an ISO date/time (2024-05-01T09:00) or a span like 6h or 2d") from exc
    return parsed.replace(tzinfo=None) if parsed.tzinfo is None else parsed.astimezone(tz=None).replace(tzinfo=None)


def _filters(key: str | None, since: datetime | None, stamp_column: str, company: str | None) -> tuple[str, list]:
    sql, params = "", []
    if company is not None:  # one company's rows only: the same record key in another company is left alone
        sql += " AND company = ?"
        params.append(company)
    if key:  # the key itself and the keys below it: <source>:po:47 matches <source>:po:47:v2, never <source>:po:471
        sql += " AND (record_key = ? OR substr(record_key, 1, ?) = ?)"
        params += [key, len(key) + 1, key + ":"]
    if since is not None:
        sql += f" AND {stamp_column} >= ?"
        params.append(since)
    return sql, params


def replay(
    conn: Conn,
    *,
    failed_only: bool = False,
    key: str | None = None,
    since: datetime | None = None,
    company: str | None = None,
    actor: str = ACTOR,
) -> ReplayResult:
    """Re-queue failed outbox rows (and, unless failed_only, release quarantined records) matching the filters.

    `key` is a record key and the keys below it (<source>:po:4711 also matches <source>:po:4711:v2, never
    <source>:po:47110; `<source>:po` matches every PO), `since` bounds the failure or detection time, `company` keeps
    to one company's requests and holds (source-level holds, company '', are released only without it). A failed
    request a replayed one depends on is re-queued with it.
    """
    result = ReplayResult()
    stamp = now()
    _requeue(conn, result, key, since, company, stamp, actor)
    if company is None:  # a write to a source system belongs to no one company
        extra, params = _filters(key, since, "updated_at", None)
        result.cloud_requeued = cloud_outbox.requeue(conn, extra, params, actor)
    if not failed_only:
        _release(conn, result, key, since, company, stamp, actor)
    return result


def _outbox(conn: Conn, where: str, params: list) -> pd.DataFrame:
    return conn.df(
        "SELECT request_id, company, op, dedup_key, record_key, depends_on, status, attempts, last_status_code, "
        f"last_error, created_at FROM qbxml_outbox WHERE {where}",
        params,
    )


def _requeue(conn: Conn, result: ReplayResult, key, since, company, stamp, actor) -> None:
    extra, params = _filters(key, since, "updated_at", company)
    chosen = _outbox(conn, f"status IN {sql_list(Request.FAILED, Request.UNKNOWN)}" + extra, params)
    for row in chosen[chosen["status"] == "unknown"].itertuples(index=False):
        result.skipped.append(
            {
                "request_id": row.request_id,
                "record_key": row.record_key,
                "reason": "outcome unknown: the bridge looks it up in QuickBooks before anything is re-sent",
            }
        )
    chosen = chosen[chosen["status"] == "failed"]
    chosen = _with_failed_dependencies(conn, chosen)
    if chosen.empty:
        return
    related = _outbox(
        conn,
        "record_key IN (" + ", ".join("?" for _ in set(chosen["record_key"])) + ")",
        sorted(set(chosen["record_key"])),
    )
    keep = []
    for row in chosen.itertuples(index=False):
        reason = _duplicate_risk(row, related)
        if reason:
            result.skipped.append({"request_id": row.request_id, "record_key": row.record_key, "reason": reason})
        else:
            keep.append(row)
    if not keep:
        return
    ids = [r.request_id for r in keep]
    marks = ", ".join("?" for _ in ids)
    conn.execute(
        f"UPDATE qbxml_outbox SET status = '{Request.PENDING}', attempts = 0, next_attempt_at = NULL, ticket = NULL, "
        "settled_at = NULL, "
        "next_action = CASE WHEN op LIKE '%Add' THEN 'lookup' ELSE next_action END, "
        "last_error = NULL, last_status_code = NULL, updated_at = ? "
        f"WHERE status = '{Request.FAILED}' AND request_id IN ({marks})",
        [stamp, *ids],
    )
    events = []
    for r in keep:
        detail = {
            "from": "failed",
            "op": r.op,
            "attempts": int(r.attempts),
            "last_status_code": None if pd.isna(r.last_status_code) else int(r.last_status_code),
            "last_error": None if pd.isna(r.last_error) else r.last_error,
        }
        events.append(
            {
                "actor": actor,
                "company": r.company,
                "record_key": r.record_key,
                "event": "replayed",
                "request_id": r.request_id,
                "detail": detail,
                "occurred_at": stamp,
            }
        )
        result.requeued.append(
            {"request_id": r.request_id, "record_key": r.record_key, "op": r.op, "last_error": detail["last_error"]}
        )
    record(conn, events)


def _with_failed_dependencies(conn: Conn, chosen: pd.DataFrame) -> pd.DataFrame:
    """Add the failed requests the chosen ones wait for (e.g. a bill's VendorAdd), transitively."""
    frames = [chosen]
    wanted = {d for d in chosen["depends_on"].dropna()} - set(chosen["request_id"])
    seen = set(chosen["request_id"])
    while wanted:
        marks = ", ".join("?" for _ in wanted)
        found = _outbox(conn, f"status = '{Request.FAILED}' AND request_id IN ({marks})", sorted(wanted))
        found = found[~found["request_id"].isin(seen)]
        if found.empty:
            break
        frames.append(found)
        seen |= set(found["request_id"])
        wanted = {d for d in found["depends_on"].dropna()} - seen
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else chosen


def _duplicate_risk(row, related: pd.DataFrame) -> str | None:
    """Why re-sending this failed request could create a second QuickBooks object, or None when it cannot."""
    same = related[(related["record_key"] == row.record_key) & (related["request_id"] != row.request_id)]
    if row.op.endswith("Add"):
        done = same[(same["op"] == row.op) & (same["status"] == "done")]
        if not done.empty:
            return (
                f"already in QuickBooks through {done['request_id'].iloc[0]} ({row.op} done): a resend would duplicate"
            )
    unknown = same[same["status"] == "unknown"]
    if not unknown.empty:
        return f"request {unknown['request_id'].iloc[0]} for this record has an unknown outcome: resolve it first"
    later = same[(same["op"] == row.op) & (same["created_at"] > row.created_at) & (same["status"] != "failed")]
    if not later.empty:
        newer = later.sort_values("created_at").iloc[-1]
        return f"superseded by {newer['request_id']} ({newer['dedup_key']}, {newer['status']})"
    return None


def _release(conn: Conn, result: ReplayResult, key, since, company, stamp, actor) -> None:
    extra, params = _filters(key, since, "detected_at", company)
    held = conn.records(
        "SELECT record_key, check_name, field, reason, company FROM quarantine WHERE released_at IS NULL"
        + extra
        + " ORDER BY record_key, check_name",
        params,
    )
    if not held:
        return
    conn.execute(
        "UPDATE quarantine SET released_at = ? WHERE released_at IS NULL" + extra,
        [stamp, *params],
    )
    record(
        conn,
        [
            {
                "actor": actor,
                "company": h["company"] or None,
                "record_key": h["record_key"],
                "event": "replayed",
                "detail": {"released_check": h["check_name"], "field": h["field"], "reason": h["reason"]},
                "occurred_at": stamp,
            }
            for h in held
        ],
    )
    result.released = [{k: h[k] for k in ("record_key", "check_name", "reason")} for h in held]
    companies = {h["company"] for h in held}
    again: set[str] = set()
    for held_for in sorted(c for c in companies if c):
        report = quarantine.evaluate(conn, held_for)
        again |= set(report.quarantined)
    released_keys = {h["record_key"] for h in held}
    result.still_held = sorted(released_keys & again)
