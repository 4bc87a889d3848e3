"""A qbXML answer -> settled outbox rows: correlate each …Rs by requestID, store it, classify, fold Add/Mod results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from qbwc_bridge.delivery import is_ours
from qbxml.responses import Record, Response
from qbxml.status import Outcome
from warehouse import outbox
from warehouse.audit import now, record
from warehouse.qb_mirror import fold
from warehouse.store import Conn

DUPLICATE_NAME = 3100


@dataclass
class Settled:
    done: int = 0
    failed: int = 0


def record_data(record: Record) -> dict[str, Any]:
    """A Record as the plain dict stored in qbxml_responses.records and read by qb_mirror.fold."""
    modified = record.time_modified
    return {
        "type": record.type,
        "id": record.id,
        "edit_sequence": record.edit_sequence,
        "name": record.name,
        "time_modified": modified.isoformat() if modified else None,
        "data": record.data,
    }


def _failed(row: dict, reason: str) -> dict:
    return {**row, "status": "failed", "next_action": None, "last_error": reason, "event": "failed"}


def _again(row: dict, action: str, event: str, reason: str | None = None, **extra: Any) -> dict:
    return {**row, "status": "pending", "next_action": action, "last_error": reason, "event": event, **extra}


def _final(change: dict) -> dict:
    """A settled Add (done or failed) no longer waits on the message that carried it."""
    return {**change, "add_batch_id": None} if change["status"] in ("done", "failed") else change


def decide(row: dict, rs: Response, ticket: str, max_attempts: int, retry_delay: float) -> dict:
    """The new state of `row` given its answer `rs` (a change dict for outbox.settle)."""
    outcome, action = rs.outcome, row["sent_action"]
    reason = f"{rs.status_code}: {rs.status_message or outcome.value}"
    row = {**row, "last_status_code": rs.status_code, "detail": {"status_code": rs.status_code, "action": action}}
    first = rs.records[0] if rs.records else None
    found = outcome == Outcome.ok and first is not None and first.id

    if action == "lookup" and outcome in (Outcome.ok, Outcome.empty):
        mine = next((r for r in rs.records if r.id and is_ours(row, r)), None) if outcome == Outcome.ok else None
        if mine is not None:
            return {
                **row,
                "status": "done",
                "next_action": None,
                "qb_id": mine.id,
                "qb_edit_sequence": mine.edit_sequence,
                "last_error": None,
                "event": "linked",
                "add_batch_id": None,
            }
        if row.get("last_status_code_before") == DUPLICATE_NAME:
            return _failed(
                row,
                f"name already in use (3100) but no {rs.op.removesuffix('Query')} by that name: "
                "another kind of list entry holds it",
            )
        if row.get("origin_open_until"):
            reason = (
                f"not in QuickBooks yet, and QuickBooks may still be running message {row['add_batch_id']} that "
                "carried it (its session is silent, not ended): looking again later, never adding it meanwhile"
            )
            later = row["origin_open_until"]
            return _again(row, "lookup", "waiting", reason, status="unknown", next_attempt_at=later)
        return _again(row, "send", "pending", "not in QuickBooks after a lost answer: adding it", add_batch_id=None)

    if action == "requery" and outcome in (Outcome.ok, Outcome.empty):
        if found:
            return _again(
                row, "send", "requeried", None, qb_edit_sequence=first.edit_sequence, edit_sequence_ticket=ticket
            )
        return _failed(row, f"{row['op']}: the object is no longer in QuickBooks")

    if outcome == Outcome.ok and rs.iterator_id and (rs.iterator_remaining or 0) > 0:
        newest = max((r.time_modified for r in rs.records if r.time_modified), default=None)
        watermark = max(filter(None, [row.get("watermark"), newest.isoformat() if newest else None]), default=None)
        return _again(
            row, "continue", "page", None, iterator_id=rs.iterator_id, iterator_ticket=ticket, watermark=watermark
        )
    if outcome in (Outcome.ok, Outcome.empty):
        done = {
            **row,
            "status": "done",
            "next_action": None,
            "last_error": None,
            "event": "done",
            "iterator_id": None,
            "iterator_ticket": None,
        }
        if found and (row["op"].endswith("Add") or row["op"].endswith("Mod")):
            done.update(qb_id=first.id, qb_edit_sequence=first.edit_sequence)
        return done
    if outcome == Outcome.transient:
        if row["attempts"] >= max_attempts:
            return _failed(row, f"{reason} (still failing after {row['attempts']} attempts)")
        later = now() + timedelta(seconds=retry_delay)
        return {
            **row,
            "status": "retry",
            "next_action": action,
            "last_error": reason,
            "event": "retry",
            "next_attempt_at": later,
        }
    if outcome == Outcome.stale_edit_sequence:
        if row["attempts"] >= max_attempts:
            return _failed(row, f"{reason} (EditSequence still stale after {row['attempts']} attempts)")
        return _again(row, "requery", "requery", reason)
    if outcome == Outcome.duplicate_name and row["op"].endswith("Add"):
        return _again(row, "lookup", "lookup", reason)
    if outcome == Outcome.iterator_expired:
        return _again(row, "send", "restart", reason, iterator_id=None, iterator_ticket=None)
    return _failed(row, reason)


def settle_answer(
    conn: Conn,
    company: str,
    batch_id: str,
    ticket: str,
    responses: list[Response],
    max_attempts: int,
    retry_delay: float,
    answer_wait: float = 0,
) -> Settled:
    """Settle every row of `batch_id` answered in `responses`; rows left unanswered become outcome-unknown.

    A late answer (the message was swept as abandoned while QuickBooks still ran it) settles the Adds it carried
    that are still open, whatever they were waiting for; nothing QuickBooks answered is dropped.
    """
    rows = {r["request_id"]: r for r in outbox.answer_rows(conn, batch_id)}
    open_origins = outbox.open_messages(
        conn,
        {r["add_batch_id"] for r in rows.values() if r["sent_action"] == "lookup" and r.get("add_batch_id")},
        answer_wait,
    )
    changes, stored, to_fold = [], [], []
    responses = _only_requested(conn, company, batch_id, responses, set(rows))
    for rs in responses:
        row = rows.pop(rs.request_id, None)
        records = [record_data(r) for r in rs.records]
        folds_now = row is not None and (
            row["sent_action"] in ("lookup", "requery") or row["op"][-3:] in ("Add", "Mod")
        )
        stored.append(_response_row(company, batch_id, rs, records, folded=folds_now))
        if row is None:
            continue
        if folds_now:
            to_fold.extend(records)
        row = {**_with_prior_code(row), "origin_open_until": open_origins.get(row.get("add_batch_id"))}
        changes.append(_final(decide(row, rs, ticket, max_attempts, retry_delay)))
    conn.insert_rows("qbxml_responses", stored)
    fold(conn, company, to_fold)
    outbox.settle(conn, [{k: v for k, v in c.items() if k not in PRIVATE} for c in changes])
    if any(r["status"] == "sent" for r in rows.values()):
        outbox.mark_unknown(conn, batch_id, "QuickBooks answered the message without this request", max_attempts)
    return Settled(
        done=sum(c["status"] == "done" for c in changes), failed=sum(c["status"] == "failed" for c in changes)
    )


def _only_requested(
    conn: Conn, company: str, batch_id: str, responses: list[Response], handed_out: set[str]
) -> list[Response]:
    """The responses to requests of this batch. Any other requestID (never sent to this session, another
    company's, a second answer to one request) is recorded in `audit_log` as rejected, never stored or folded."""
    kept, rejected, answered = [], [], set()
    for rs in responses:
        fresh = rs.request_id in handed_out and rs.request_id not in answered
        (kept if fresh else rejected).append(rs)
        answered.add(rs.request_id)
    record(
        conn,
        [
            {
                "actor": "bridge:intake",
                "company": company,
                "record_key": f"answer:{batch_id}",
                "event": "answer_rejected",
                "request_id": (rs.request_id or "")[:100],
                "detail": {"op": rs.op[:100], "reason": "requestID not handed out in this message, or answered twice"},
            }
            for rs in rejected
        ],
    )
    return kept


PRIVATE = ("last_status_code_before", "origin_open_until")  # decision inputs, not outbox columns


def _with_prior_code(row: dict) -> dict:
    """Remember the status that sent a lookup (3100 means the name is taken, not that the answer was lost)."""
    return {**row, "last_status_code_before": row.get("last_status_code")}


def _response_row(company: str, batch_id: str, rs: Response, records: list[dict], folded: bool) -> dict:
    stamp = now()
    return {
        "company": company,
        "batch_id": batch_id,
        "request_id": rs.request_id or "",
        "op": rs.op,
        "status_code": rs.status_code,
        "status_severity": rs.status_severity,
        "status_message": rs.status_message,
        "ret_count": rs.ret_count,
        "iterator_id": rs.iterator_id,
        "iterator_remaining": rs.iterator_remaining,
        "records": records,
        "received_at": stamp,
        "folded_at": stamp if folded else None,
    }
