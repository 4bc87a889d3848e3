"""One document's story for `qbsync audit`: its audit events, outbox requests, open quarantine and QuickBooks ID."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from warehouse.audit import story
from warehouse.store import Conn


def document_key(key: str) -> str:
    """The document a key a user copied from our output is about: an outbox dedup key `<source>:invoice:27:v1`, a
    VendorAdd key `...:add` or a cloud write `...:exported` all tell that document's story."""
    parts = key.split(":")
    return ":".join(parts[:3]) if len(parts) > 3 else key


def document_story(conn: Conn, key: str) -> dict[str, Any]:
    """Everything known about the document of `key` (and keys below it), as plain data ready for JSON."""
    record_key = document_key(key)
    events = [dict(e, detail=_detail(e["detail"])) for e in story(conn, record_key)]
    below = [record_key, record_key + ":%"]
    requests = conn.records(
        "SELECT request_id, company, op, dedup_key, status, attempts, qb_id, last_status_code, last_error, "
        "created_at, updated_at FROM qbxml_outbox WHERE record_key = ? OR record_key LIKE ? ORDER BY created_at",
        below,
    )
    held = conn.records(
        "SELECT company, record_key, check_name, field, reason, detected_at FROM quarantine "
        "WHERE released_at IS NULL AND (record_key = ? OR record_key LIKE ?) ORDER BY detected_at, check_name",
        below,
    )
    writes = conn.records(
        "SELECT source_system, op, target, idempotency_key, status, attempts, last_error, updated_at "
        "FROM cloud_outbox WHERE record_key = ? OR record_key LIKE ? ORDER BY created_at",
        below,
    )
    txn_ids = [r["qb_id"] for r in requests if r["status"] == "done" and r["qb_id"]]
    return {
        "record_key": record_key,
        "events": events,
        "requests": requests,
        "quarantine": held,
        "cloud_writes": writes,
        "quickbooks_id": txn_ids[-1] if txn_ids else None,
    }


def format_story(data: dict[str, Any], warehouse: str = "the warehouse") -> str:
    """A readable timeline: one line per event, then where the document stands now; when there is none, which
    warehouse was searched."""
    key = data["record_key"]
    if not data["events"] and not data["requests"]:
        return f"{key}: no audit events in {warehouse} (check the key, e.g. <source>:po:4711, and qbsync doctor)"
    lines = [f"{key}: {len(data['events'])} events"]
    for e in data["events"]:
        when = _when(e["occurred_at"])
        who = e["actor"] + (f" [{e['company']}]" if e.get("company") else "")
        sub = e["record_key"][len(key) :] if e["record_key"] != key else ""
        ref = f" request {e['request_id']}" if e.get("request_id") else ""
        lines.append(f"  {when}  {e['event']:<12} {who}{sub and ' ' + sub}{ref}  {_summary(e['detail'])}".rstrip())
    lines.append("now:")
    for r in data["requests"]:
        error = f" — {r['last_error']}" if r.get("last_error") else ""
        qb = f" → {r['qb_id']}" if r.get("qb_id") else ""
        lines.append(f"  {r['op']} {r['dedup_key']} {r['status']} (attempts {r['attempts']}){qb}{error}")
    for w in data["cloud_writes"]:
        error = f" — {w['last_error']}" if w.get("last_error") else ""
        lines.append(f"  {w['source_system']} {w['op']} {w['target']} {w['status']} (attempts {w['attempts']}){error}")
    for q in data["quarantine"]:
        where = f" [{q['company']}]" if q["company"] else ""
        lines.append(f"  quarantined{where} by {q['check_name']} on {q['field']}: {q['reason']}")
    done = data["quickbooks_id"]
    lines.append(f"  QuickBooks: {done}" if done else "  QuickBooks: not there yet")
    return "\n".join(lines)


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, default=_json_default, indent=2)


def _detail(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _summary(detail: Any) -> str:
    if not detail:
        return ""
    if isinstance(detail, dict):
        return ", ".join(f"{k}={v}" for k, v in detail.items() if v not in (None, "", [], {}))
    return str(detail)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
