"""The cloud_outbox ledger: enqueue writes to cloud systems idempotently, claim them for delivery, settle them, and
audit every transition under the record's key."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from warehouse.audit import now, record, record_from_query
from warehouse.states import CloudWrite, sql_list
from warehouse.store import Conn

DUE = "_cloud_due"
RETRY_SECONDS = 60  # a write its target kept failing waits this long, so the next run (not this one) sends it again
MAX_ATTEMPTS = 5  # runs that claim a write whose target keeps failing before it fails for good (replayable)
COLUMNS = "source_system, record_key, op, target, idempotency_key, payload"


def enqueue(conn: Conn, due_sql: str, actor: str) -> int:
    """Queue the writes `due_sql` SELECTs (source_system, record_key, op, target, idempotency_key, payload as JSON
    text). Same key and payload as a queued or settled row: nothing; a changed payload supersedes the unsent row
    (pending or failed) of that key. Returns how many rows were queued."""
    stamp = now()
    conn.execute(f"DROP TABLE IF EXISTS {DUE}")
    conn.execute(
        f"CREATE TEMP TABLE {DUE} AS SELECT {COLUMNS}, md5(payload) AS payload_hash, "
        "md5(idempotency_key || '|' || md5(payload)) AS write_id FROM (" + due_sql + ") AS due"
    )
    unsent = sql_list(CloudWrite.PENDING, CloudWrite.FAILED)
    superseded = (
        f"status IN {unsent} AND EXISTS (SELECT 1 FROM {DUE} d WHERE d.idempotency_key = cloud_outbox.idempotency_key "
        "AND d.payload_hash <> cloud_outbox.payload_hash)"
    )
    record_from_query(
        conn,
        actor,
        "cloud write superseded",
        "SELECT NULL AS company, record_key, write_id AS request_id, NULL AS detail FROM cloud_outbox "
        f"WHERE {superseded}",
    )
    conn.execute(
        f"UPDATE cloud_outbox SET status = ?, updated_at = ? WHERE {superseded}", [CloudWrite.SUPERSEDED, stamp]
    )
    new = "NOT EXISTS (SELECT 1 FROM cloud_outbox o WHERE o.write_id = d.write_id)"
    queued = conn.scalar(f"SELECT count(DISTINCT write_id) FROM {DUE} d WHERE {new}")
    record_from_query(
        conn, actor, "cloud write queued",
        f"SELECT DISTINCT NULL AS company, record_key, write_id AS request_id, NULL AS detail FROM {DUE} d WHERE {new}",
    )  # fmt: skip
    conn.execute(
        f"INSERT INTO cloud_outbox (write_id, {COLUMNS}, payload_hash, status, attempts, created_at, updated_at) "
        f"SELECT DISTINCT write_id, {COLUMNS}, payload_hash, ?, 0, ?, ? FROM {DUE} d WHERE {new}",
        [CloudWrite.PENDING, stamp, stamp],
    )
    conn.execute(f"DROP TABLE {DUE}")
    return int(queued)


def claim(conn: Conn, source_system: str, limit: int, actor: str) -> list[dict[str, Any]]:
    """Up to `limit` writes of `source_system` to deliver now: rows left `sending` by a run that died first (flagged
    `unknown`: read the target before writing), then pending ones, oldest first; all marked sending, attempts + 1."""
    stamp = now()
    rows = conn.records(
        "SELECT write_id, record_key, op, target, idempotency_key, payload, attempts + 1 AS attempts, "
        "status = ? AS unknown FROM cloud_outbox "
        f"WHERE source_system = ? AND status IN {sql_list(CloudWrite.SENDING, CloudWrite.PENDING)} "
        "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
        "ORDER BY CASE WHEN status = ? THEN 0 ELSE 1 END, created_at, write_id LIMIT ?",
        [CloudWrite.SENDING, source_system, stamp, CloudWrite.SENDING, limit],
    )
    if not rows:
        return []
    ids = [r["write_id"] for r in rows]
    marks = ", ".join("?" for _ in ids)
    conn.execute(
        f"UPDATE cloud_outbox SET status = ?, attempts = attempts + 1, sent_at = ?, updated_at = ? "
        f"WHERE write_id IN ({marks})",
        [CloudWrite.SENDING, stamp, stamp, *ids],
    )
    record(conn, [{"actor": actor, "record_key": r["record_key"], "event": "cloud write sending",
                   "request_id": r["write_id"]} for r in rows])  # fmt: skip
    return rows


def settle(conn: Conn, outcomes: Iterable[tuple[dict[str, Any], str | None, str]], actor: str) -> None:
    """Record each (claimed row, error or None, how) as done or failed; `how` says what happened (sent, found, or
    retry: the target kept failing through the run's retries, so the write waits RETRY_SECONDS for a later run, failed
    once it has been claimed MAX_ATTEMPTS times)."""
    stamp = now()
    events = []
    for row, error, how in outcomes:
        status = CloudWrite.FAILED if error else CloudWrite.DONE
        later = None
        if how == "retry" and row["attempts"] < MAX_ATTEMPTS:
            status, later = CloudWrite.PENDING, stamp + timedelta(seconds=RETRY_SECONDS)
        elif how == "retry":
            error = f"{error} (still failing after {row['attempts']} runs)"
        conn.execute(
            "UPDATE cloud_outbox SET status = ?, last_error = ?, next_attempt_at = ?, settled_at = ?, updated_at = ? "
            "WHERE write_id = ?",
            [status, error, later, None if later else stamp, stamp, row["write_id"]],
        )
        event = "waiting" if later else status.value
        detail = {"op": row["op"], "target": row["target"], "how": how, **({"error": error} if error else {})}
        events.append({"actor": actor, "record_key": row["record_key"], "event": f"cloud write {event}",
                       "request_id": row["write_id"], "detail": detail})  # fmt: skip
    record(conn, events)


def failed(conn: Conn, source_system: str | None = None) -> list[dict[str, Any]]:
    """Failed writes (of one source, or all), newest first, with their error."""
    where, params = ("AND source_system = ?", [source_system]) if source_system else ("", [])
    return conn.records(
        "SELECT source_system, record_key, op, target, idempotency_key, attempts, last_error, updated_at "
        f"FROM cloud_outbox WHERE status = ? {where} ORDER BY updated_at DESC, record_key",
        [CloudWrite.FAILED, *params],
    )


def requeue(conn: Conn, key_filter: str, params: list, actor: str) -> list[dict[str, Any]]:
    """Failed writes whose record_key matches `key_filter` back to pending (attempts kept); returns them."""
    rows = conn.records(
        f"SELECT write_id, record_key, op, target, last_error FROM cloud_outbox WHERE status = ? {key_filter}",
        [CloudWrite.FAILED, *params],
    )
    for row in rows:
        conn.execute(
            "UPDATE cloud_outbox SET status = ?, updated_at = ? WHERE write_id = ?",
            [CloudWrite.PENDING, now(), row["write_id"]],
        )
    record(conn, [{"actor": actor, "record_key": r["record_key"], "event": "cloud write replayed",
                   "request_id": r["write_id"]} for r in rows])  # fmt: skip
    return rows


def release(conn: Conn, rows: list[dict[str, Any]], actor: str) -> None:
    """Claimed writes this run did not attempt (it stopped at a limit) back to pending, as if never claimed."""
    if not rows:
        return
    stamp = now()
    ids = [r["write_id"] for r in rows]
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        conn.execute(
            f"UPDATE cloud_outbox SET status = ?, attempts = attempts - 1, updated_at = ? WHERE status = ? "
            f"AND write_id IN ({', '.join('?' for _ in chunk)})",
            [CloudWrite.PENDING, stamp, CloudWrite.SENDING, *chunk],
        )
    record(conn, [{"actor": actor, "record_key": r["record_key"], "event": "cloud write left queued",
                   "request_id": r["write_id"]} for r in rows])  # fmt: skip
