"""The company file's clock: the time zone of the machine running it, local times with offsets as QuickBooks writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sandbox.quickbooks.values import now

# The zone a company file's machine runs in when nobody says (one plausible zone per edition's country).
DEFAULT_ZONES = {
    "US": "America/Los_Angeles",
    "CA": "America/Toronto",
    "UK": "Europe/London",
    "AU": "Australia/Sydney",
}


@dataclass(frozen=True)
class Clock:
    """Local time in `zone`. `stale_dst_offsets`: write the standard-time offset all year round, as real captures
    show QuickBooks doing around daylight-saving changes (the wall-clock time stays right, the offset is an hour off).
    """

    zone: str = DEFAULT_ZONES["US"]
    source: Callable[[], datetime] = field(default=now, compare=False)
    stale_dst_offsets: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def moment(self) -> datetime:
        """Now, aware, to the second."""
        return self.source().astimezone(UTC).replace(microsecond=0)

    def text(self, moment: datetime) -> str:
        """`moment` as QuickBooks writes TimeCreated/TimeModified: local wall-clock time and an offset."""
        local = moment.astimezone(self.tz)
        if self.stale_dst_offsets and local.dst():
            offset = local.utcoffset() - local.dst()
            return local.replace(tzinfo=None).isoformat() + _offset_text(offset)
        return local.isoformat()

    def stored(self, text: str) -> datetime:
        """A time this file wrote, aware, read by its wall-clock part (its offset may be the stale one)."""
        return datetime.fromisoformat(text).replace(tzinfo=self.tz)

    def utc_text(self, text: str) -> str:
        """A time this file wrote, in UTC (what the store orders by)."""
        return self.stored(text).astimezone(UTC).isoformat()

    def filter(self, text: str, *, end_of_day: bool = False) -> datetime:
        """A filter's date or date-time, aware: without an offset it is local time, as QuickBooks reads it; a bare
        date is the start (or for 'To' filters the end) of that local day.
        """
        text = text.strip()
        if "T" not in text:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end_of_day else time.min, self.tz).replace(microsecond=0)
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=self.tz)

    def in_range(self, stamp: str, low: str | None, high: str | None) -> bool:
        """Whether the stored time `stamp` lies in a From/To filter (both inclusive)."""
        moment = self.stored(stamp)
        if low and moment < self.filter(low):
            return False
        return not (high and moment > self.filter(high, end_of_day=True))


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"
