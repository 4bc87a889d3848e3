"""The audit log: every transition of every record, appended in bulk, read back as one document's story."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from warehouse.store import Conn

COLUMNS = ["occurred_at", "actor", "company", "record_key", "event", "request_id", "detail"]


def now() -> datetime:
    """UTC now, naive, as every warehouse timestamp is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(conn: Conn, events: Iterable[Mapping[str, Any]]) -> int:
    """Append events (actor, record_key, event required; company, request_id, detail optional) in one statement."""
    stamp = now()
    rows = [{col: e.get(col) for col in COLUMNS} | {"occurred_at": e.get("occurred_at") or stamp} for e in events]
    return conn.insert_rows("audit_log", rows)


def record_from_query(conn: Conn, actor: str, event: str, select_sql: str, params: list | None = None) -> None:
    """Append one event per row of `select_sql`, which yields (company, record_key, request_id, detail)."""
    json_type = "JSONB" if conn.backend == "postgres" else "JSON"
    conn.execute(
        "INSERT INTO audit_log (occurred_at, actor, company, record_key, event, request_id, detail) "
        f"SELECT ?, ?, q.company, q.record_key, ?, q.request_id, CAST(q.detail AS {json_type}) "
        f"FROM ({select_sql}) AS q",
        [now(), actor, event, *(params or [])],
    )


def story(conn: Conn, record_key: str) -> list[dict[str, Any]]:
    """Every event of one record (and of keys below it, e.g. <source>:po:4711 and <source>:po:4711:v2), in order."""
    return conn.records(
        "SELECT occurred_at, actor, company, record_key, event, request_id, detail FROM audit_log "
        "WHERE record_key = ? OR record_key LIKE ? ORDER BY occurred_at, audit_id",
        [record_key, record_key + ":%"],
    )
