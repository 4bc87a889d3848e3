"""The company file's clock: the local time QuickBooks modified-date filters take, from its zone or its offsets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from warehouse.store import Conn

# Re-read this much before the newest change seen: QuickBooks' own offsets are an hour wrong around daylight-saving
# changes (so our UTC watermark may be an hour late), plus a few minutes of clock skew. The fold drops what repeats.
OVERLAP = timedelta(hours=1, minutes=5)
# Without a zone or a learned offset, assume the westernmost offset in use (UTC-12): never later than the truth.
UNKNOWN_OFFSET = timedelta(hours=-12)
FILTER_FORMAT = "%Y-%m-%dT%H:%M:%S"


def filter_time(watermark: datetime, time_zone: str | None, utc_offset_minutes: int | None) -> str:
    """The FromModifiedDate/FromDeletedDate text (local, no offset) re-reading everything since `watermark` (UTC)."""
    moment = watermark.replace(tzinfo=None) if watermark.tzinfo is None else watermark.astimezone(UTC)
    if time_zone:
        local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(time_zone)).replace(tzinfo=None)
    elif utc_offset_minutes is not None:
        local = moment + timedelta(minutes=int(utc_offset_minutes))
    else:
        local = moment + UNKNOWN_OFFSET
    return (local - OVERLAP).strftime(FILTER_FORMAT)


def offset_minutes(text: Any) -> int | None:
    """The UTC offset, in minutes, that a QuickBooks time text carries (None when it carries none)."""
    try:
        offset = datetime.fromisoformat(str(text)).utcoffset()
    except ValueError:
        return None
    return None if offset is None else int(offset.total_seconds() // 60)


def learn(conn: Conn, company: str, seen: tuple[datetime, int] | None) -> None:
    """Keep the offset of the newest time QuickBooks reported for `company`: (UTC time, offset in minutes)."""
    if seen is None:
        return
    observed_at, offset = seen
    conn.insert_rows(
        "qb_clock",
        [{"company": company, "utc_offset_minutes": offset, "observed_at": observed_at}],
        "ON CONFLICT (company) DO UPDATE SET utc_offset_minutes = EXCLUDED.utc_offset_minutes, "
        "observed_at = EXCLUDED.observed_at WHERE qb_clock.observed_at < EXCLUDED.observed_at",
    )
