"""Incremental-pull watermarks: read and write the `watermarks` table, and pick the later of two timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

from warehouse.audit import now
from warehouse.store import Conn


def load_watermark(conn: Conn, source: str, entity: str) -> str | None:
    """The stored watermark of `entity` from `source`, or None before the first pull."""
    return conn.scalar("SELECT watermark FROM watermarks WHERE source_system = ? AND entity = ?", [source, entity])


def save_watermark(conn: Conn, source: str, entity: str, value: str) -> None:
    """Store `value` as the watermark (call it in the transaction that lands the pulled records)."""
    conn.execute(
        "INSERT INTO watermarks (source_system, entity, watermark, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (source_system, entity) DO UPDATE SET watermark = EXCLUDED.watermark, "
        "updated_at = EXCLUDED.updated_at",
        [source, entity, value, now()],
    )


def parse_timestamp(value: str) -> datetime:
    """An ISO-8601 timestamp as an aware datetime (naive values are taken as UTC)."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def later(current: str | None, candidate: str | None) -> str | None:
    """The later of two ISO timestamps, compared as instants (offsets respected), keeping the original text."""
    if not candidate:
        return current
    if not current:
        return candidate
    return candidate if parse_timestamp(candidate) > parse_timestamp(current) else current
