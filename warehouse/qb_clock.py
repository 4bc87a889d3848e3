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
LATEST_OFFSET = timedelta(hours=14)  # the easternmost offset in use: where a read closes when the zone is unknown
FILTER_FORMAT = "%Y-%m-%dT%H:%M:%S"


def filter_time(watermark: datetime, time_zone: str | None, utc_offset_minutes: int | None) -> str:
    """The FromModifiedDate/FromDeletedDate text (local, no offset) re-reading everything since `watermark` (UTC)."""
    return (_local(watermark, time_zone, utc_offset_minutes) - OVERLAP).strftime(FILTER_FORMAT)


def boundary_time(moment: datetime, time_zone: str | None, utc_offset_minutes: int | None) -> str:
    """The ToModifiedDate/FromModifiedDate text (local, no offset) where two windows of a read meet: `moment` (UTC)
    in the file's local time, with no overlap (both windows include that second)."""
    return _local(moment, time_zone, utc_offset_minutes).strftime(FILTER_FORMAT)


def closing_time(moment: datetime, time_zone: str | None, utc_offset_minutes: int | None) -> str:
    """The ToModifiedDate text (local, no offset) closing a read at `moment` (UTC). Without a zone or a learned offset
    it assumes the easternmost offset in use (UTC+14): never earlier than the truth, so a read never waits for a
    change it could already see."""
    return _local(moment, time_zone, utc_offset_minutes, unknown=LATEST_OFFSET).strftime(FILTER_FORMAT)


def _local(
    moment: datetime, time_zone: str | None, utc_offset_minutes: int | None, unknown: timedelta = UNKNOWN_OFFSET
) -> datetime:
    moment = moment.replace(tzinfo=None) if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
    if time_zone:
        return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(time_zone)).replace(tzinfo=None)
    if utc_offset_minutes is not None:
        return moment + timedelta(minutes=int(utc_offset_minutes))
    return moment + unknown


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
